package index

import (
	"context"
	"os"
	"runtime"
	"testing"
)

// benchSnapshotEnv names a snapshot file to measure opening on; the first
// `newsbot ask` over a database writes one (NEWSBOT_INDEX_SNAPSHOT, else
// the database's name + ".index").
const benchSnapshotEnv = "NEWSBOT_BENCH_SNAPSHOT"

// BenchmarkOpenSnapshot opens a snapshot file as a process start does
// (mapped, checksummed, decoded and checked) and reports the heap the
// opened index holds. Each opening is released afterwards, which a
// process never does.
func BenchmarkOpenSnapshot(b *testing.B) {
	path := os.Getenv(benchSnapshotEnv)
	if path == "" {
		b.Skipf("set %s to a snapshot file to measure opening it", benchSnapshotEnv)
	}
	ctx := context.Background()
	var before, after runtime.MemStats
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&before)
		b.StartTimer()
		x, release, err := openSnapshot(ctx, path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(x)
		release()
		b.StartTimer()
	}
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heapMB")
}
