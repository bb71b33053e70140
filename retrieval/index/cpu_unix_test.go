//go:build unix

package index_test

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time the process has used, user and system:
// on a shared machine a benchmark's wall time says as much about the
// neighbours as about the code.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
