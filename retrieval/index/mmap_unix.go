//go:build unix

package index

import (
	"fmt"
	"math"
	"os"
	"syscall"
)

// mapFile maps f read-only and returns its bytes and the function that
// unmaps them. A write through the bytes faults, which is the point:
// nothing may write into a snapshot the index reads in place. An empty
// file, which cannot be mapped, is returned as no bytes.
func mapFile(f *os.File) ([]byte, func(), error) {
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	size := st.Size()
	if size == 0 {
		return nil, func() {}, nil
	}
	if size > math.MaxInt {
		return nil, nil, fmt.Errorf("file of %d bytes", size)
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		// Some file systems cannot map files: read it whole instead.
		b, err := readFile(f, size)
		return b, func() {}, err
	}
	return b, func() { syscall.Munmap(b) }, nil
}
