package index

import (
	"context"
	"os"
	"runtime"
	"testing"
	"time"
)

// benchSnapshotEnv names a snapshot file to measure opening on; the first
// `newsbot ask` over a database writes one (NEWSBOT_INDEX_SNAPSHOT, else
// the database's name + ".index").
const benchSnapshotEnv = "NEWSBOT_BENCH_SNAPSHOT"

// BenchmarkOpenSnapshot opens a snapshot file as a process start does
// (mapped, checksummed, decoded and checked) and reports the heap the
// opened index holds, and how long the first change then takes to copy
// out what writers change (own-ms, heap after it: owned-heapMB). Each
// opening is released afterwards, which a process never does.
func BenchmarkOpenSnapshot(b *testing.B) {
	path := os.Getenv(benchSnapshotEnv)
	if path == "" {
		b.Skipf("set %s to a snapshot file to measure opening it", benchSnapshotEnv)
	}
	ctx := context.Background()
	var before, after, owned runtime.MemStats
	var own time.Duration
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
		t0 := time.Now()
		x.wmu.Lock()
		x.own()
		x.wmu.Unlock()
		own += time.Since(t0)
		runtime.GC()
		runtime.ReadMemStats(&owned)
		runtime.KeepAlive(x)
		release()
		b.StartTimer()
	}
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heapMB")
	b.ReportMetric(float64(owned.HeapAlloc-before.HeapAlloc)/(1<<20), "owned-heapMB")
	b.ReportMetric(float64(own.Milliseconds())/float64(b.N), "own-ms")
}
