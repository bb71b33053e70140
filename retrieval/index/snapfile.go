package index

import (
	"context"
	"fmt"
	"io"
	"os"
)

// OpenSnapshot reads the snapshot file at path (see WriteSnapshot), the
// way a process starts: the file is mapped into memory read-only (read
// whole where mapping is not available) and checksummed, and the index
// reads it in place (see inplace.go): only the dictionary and the dead
// bitset are decoded into the heap. Errors are as ReadSnapshot's.
//
// The mapping lives as long as the process: the index reads its postings
// there until a compaction rewrites them all, and it is not worth tracking
// when that happened (a mapped file costs address space and reclaimable
// page cache, not heap). So OpenSnapshot is for opening an index once at
// start, not for reading snapshots in a loop. The file must be replaced,
// never rewritten in place, while a process has it open (Live.Save writes
// a temporary file and renames it over): a mapped file truncated under the
// process makes its next read of the index fault.
func OpenSnapshot(ctx context.Context, path string, opt Options) (*Index, error) {
	x, _, err := openSnapshot(ctx, path, opt)
	return x, err
}

// openSnapshot is OpenSnapshot that also returns a function releasing the
// mapping, for a caller that rejects the index before anything else has
// seen it (its position does not match the store). After a release the
// index must not be used.
func openSnapshot(ctx context.Context, path string, opt Options) (_ *Index, release func(), err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	buf, unmap, err := mapFile(f)
	if err != nil {
		return nil, nil, fmt.Errorf("read index snapshot %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			unmap()
		}
	}()
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	x, err := parseSnapshot(buf, opt)
	if err != nil {
		return nil, nil, fmt.Errorf("read index snapshot %s: %w", path, err)
	}
	return x, unmap, nil
}

// readFile reads the size bytes of f into memory.
func readFile(f *os.File, size int64) ([]byte, error) {
	b := make([]byte, size)
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, err
	}
	return b, nil
}
