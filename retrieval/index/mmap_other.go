//go:build !unix

package index

import (
	"fmt"
	"math"
	"os"
)

// mapFile reads f whole: this platform has no syscall.Mmap. The bytes are
// the garbage collector's, so there is nothing to unmap.
func mapFile(f *os.File) ([]byte, func(), error) {
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if st.Size() > math.MaxInt {
		return nil, nil, fmt.Errorf("file of %d bytes", st.Size())
	}
	b, err := readFile(f, st.Size())
	return b, func() {}, err
}
