package index

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
)

// ErrSnapshot means a snapshot cannot be read: not a snapshot, another
// version, truncated or damaged. The caller rebuilds the index from the
// store.
var ErrSnapshot = errors.New("bad index snapshot")

// snapshotMagic starts every snapshot file.
const snapshotMagic = "NBINDEX\n"

// snapshotVersion changes with every change of the format; a reader
// rejects every other version.
const snapshotVersion = 2 // 2: the mark of the change at seq

// readChunk bounds what a reader allocates ahead of the data it has
// actually read, so a damaged length cannot make it allocate gigabytes.
const readChunk = 1 << 20

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// WriteSnapshot writes the index to w in a versioned binary format ending
// with a CRC-32C of its contents. Writers (Put, Remove) wait meanwhile;
// searches do not.
//
// Format, little-endian: magic, version u32, then the payload: options
// (4 f64), seq i64, mark (string), documents (count, then the pid, aid, pub, scope, dlen
// arrays and the dead bitset), scopes, articles, terms (name and list
// header each), every list's blocks, every list's bytes; then the CRC of
// the payload.
func (x *Index) WriteSnapshot(w io.Writer) error {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	s := x.s // writers are excluded, so s does not change
	bw := bufio.NewWriterSize(w, 1<<20)
	if _, err := bw.WriteString(snapshotMagic); err != nil {
		return fmt.Errorf("write index snapshot: %w", err)
	}
	e := &encoder{w: bw, crc: crc32.New(castagnoli)}
	e.u32(snapshotVersion)
	e.crc.Reset() // the CRC covers the payload after the version
	for _, f := range []float64{x.opt.K1, x.opt.B, x.opt.TitleWeight, x.opt.BodyWeight} {
		e.u64(math.Float64bits(f))
	}
	e.u64(uint64(s.seq))
	e.str(s.mark)
	e.u64(uint64(s.ndocs()))
	e.u64(uint64(s.ndead))
	e.u64(s.total)
	for _, v := range s.pid {
		e.u64(uint64(v))
	}
	for _, v := range s.aid {
		e.u64(uint64(v))
	}
	for _, v := range s.pub {
		e.u64(uint64(v))
	}
	for _, v := range s.scope {
		e.u32(v)
	}
	for _, v := range s.dlen {
		e.u32(v)
	}
	for _, v := range s.dead[:(s.ndocs()+63)/64] {
		e.u64(v)
	}
	e.u64(uint64(len(s.scopes)))
	for _, sc := range s.scopes {
		e.str(sc)
	}
	e.u64(uint64(len(s.articles)))
	for id, sp := range s.articles {
		e.u64(uint64(id))
		e.u32(sp.first)
		e.u32(sp.n)
	}
	e.u64(uint64(len(s.terms)))
	for i, t := range s.terms {
		l := &s.lists[i]
		e.str(t)
		e.u32(l.n)
		e.u32(l.open)
		e.u32(math.Float32bits(l.maxF))
		e.u32(l.minD)
		e.u32(uint32(len(l.blocks)))
		e.u32(uint32(len(l.data)))
	}
	for i := range s.lists {
		for _, b := range s.lists[i].blocks {
			e.u32(b.last)
			e.u32(b.off)
			e.u32(math.Float32bits(b.maxF))
			e.u32(b.minD)
		}
	}
	for i := range s.lists {
		e.bytes(s.lists[i].data)
	}
	sum := e.crc.Sum32()
	e.crc = nil
	e.u32(sum)
	if e.err == nil {
		e.err = bw.Flush()
	}
	if e.err != nil {
		return fmt.Errorf("write index snapshot: %w", e.err)
	}
	return nil
}

// encoder writes little-endian values and keeps the first error.
type encoder struct {
	w   *bufio.Writer
	crc hash.Hash32
	buf [8]byte
	err error
}

func (e *encoder) bytes(b []byte) {
	if e.err != nil {
		return
	}
	if e.crc != nil {
		e.crc.Write(b)
	}
	_, e.err = e.w.Write(b)
}

func (e *encoder) u32(v uint32) {
	binary.LittleEndian.PutUint32(e.buf[:4], v)
	e.bytes(e.buf[:4])
}

func (e *encoder) u64(v uint64) {
	binary.LittleEndian.PutUint64(e.buf[:8], v)
	e.bytes(e.buf[:8])
}

func (e *encoder) str(s string) {
	e.u32(uint32(len(s)))
	if e.err == nil {
		if e.crc != nil {
			io.WriteString(e.crc, s)
		}
		_, e.err = e.w.WriteString(s)
	}
}

// ReadSnapshot reads an index written by WriteSnapshot. opt are the
// options of the new index: when their weights differ from the snapshot's,
// the block bounds are recomputed. Returns an error wrapping ErrSnapshot
// when r does not hold a whole, undamaged snapshot of this version, and
// the reader's error for other read failures.
func ReadSnapshot(r io.Reader, opt Options) (*Index, error) {
	opt = opt.withDefaults()
	d := &decoder{r: bufio.NewReaderSize(r, 1<<20), crc: crc32.New(castagnoli)}
	s, old, err := d.state()
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("%w: truncated", ErrSnapshot)
		}
		return nil, fmt.Errorf("read index snapshot: %w", err)
	}
	x := New(opt)
	if old.TitleWeight != opt.TitleWeight || old.BodyWeight != opt.BodyWeight {
		s.rebound(opt)
	}
	x.s = s
	return x, nil
}

// decoder reads little-endian values, hashing what it reads.
type decoder struct {
	r   *bufio.Reader
	crc hash.Hash32
	buf [8]byte
}

func (d *decoder) full(b []byte) error {
	if _, err := io.ReadFull(d.r, b); err != nil {
		return err
	}
	d.crc.Write(b)
	return nil
}

func (d *decoder) u32() (uint32, error) {
	if err := d.full(d.buf[:4]); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(d.buf[:4]), nil
}

func (d *decoder) u64() (uint64, error) {
	if err := d.full(d.buf[:8]); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(d.buf[:8]), nil
}

// count reads a length and checks it against limit.
func (d *decoder) count(limit uint64, what string) (int, error) {
	n, err := d.u64()
	if err != nil {
		return 0, err
	}
	if n > limit {
		return 0, fmt.Errorf("%w: %d %s", ErrSnapshot, n, what)
	}
	return int(n), nil
}

// bytesN reads n bytes into a slice it grows as the data arrives.
func (d *decoder) bytesN(n int) ([]byte, error) {
	out := make([]byte, 0, min(n, readChunk))
	for len(out) < n {
		m := min(n-len(out), readChunk)
		out = append(out, make([]byte, m)...)
		if err := d.full(out[len(out)-m:]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (d *decoder) str() (string, error) {
	n, err := d.u32()
	if err != nil {
		return "", err
	}
	if n > 1<<20 {
		return "", fmt.Errorf("%w: string of %d bytes", ErrSnapshot, n)
	}
	b, err := d.bytesN(int(n))
	return string(b), err
}

// ints reads n values of size bytes each, converting each with conv.
func readArray[T any](d *decoder, n, size int, conv func([]byte) T) ([]T, error) {
	out := make([]T, 0, min(n, readChunk/size))
	buf := make([]byte, min(n, readChunk/size)*size)
	for len(out) < n {
		m := min(n-len(out), len(buf)/size)
		b := buf[:m*size]
		if err := d.full(b); err != nil {
			return nil, err
		}
		for i := 0; i < len(b); i += size {
			out = append(out, conv(b[i:i+size]))
		}
	}
	return out, nil
}

func le64(b []byte) int64  { return int64(binary.LittleEndian.Uint64(b)) }
func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }
func leU64(b []byte) uint64 {
	return binary.LittleEndian.Uint64(b)
}

// termHeader is a list's header as read, before its blocks and bytes.
type termHeader struct {
	n, open, minD, nblocks, ndata uint32
	maxF                          float32
}

// state reads and checks a snapshot, returning the state and the options
// it was written with.
func (d *decoder) state() (*state, Options, error) {
	var opt Options
	magic := make([]byte, len(snapshotMagic))
	if _, err := io.ReadFull(d.r, magic); err != nil || string(magic) != snapshotMagic {
		if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, opt, fmt.Errorf("%w: not a snapshot", ErrSnapshot)
		}
		return nil, opt, err
	}
	v, err := d.u32()
	if err != nil {
		return nil, opt, err
	}
	if v != snapshotVersion {
		return nil, opt, fmt.Errorf("%w: version %d, want %d", ErrSnapshot, v, snapshotVersion)
	}
	d.crc.Reset()
	var fs [4]float64
	for i := range fs {
		u, err := d.u64()
		if err != nil {
			return nil, opt, err
		}
		fs[i] = math.Float64frombits(u)
	}
	opt = Options{K1: fs[0], B: fs[1], TitleWeight: fs[2], BodyWeight: fs[3]}
	s := newState()
	seq, err := d.u64()
	if err != nil {
		return nil, opt, err
	}
	s.seq = int64(seq)
	if s.mark, err = d.str(); err != nil {
		return nil, opt, err
	}
	ndocs, err := d.count(maxDocs, "documents")
	if err != nil {
		return nil, opt, err
	}
	ndead, err := d.count(uint64(ndocs), "deleted documents")
	if err != nil {
		return nil, opt, err
	}
	s.ndead = ndead
	if s.total, err = d.u64(); err != nil {
		return nil, opt, err
	}
	if s.pid, err = readArray(d, ndocs, 8, le64); err != nil {
		return nil, opt, err
	}
	if s.aid, err = readArray(d, ndocs, 8, le64); err != nil {
		return nil, opt, err
	}
	if s.pub, err = readArray(d, ndocs, 8, le64); err != nil {
		return nil, opt, err
	}
	if s.scope, err = readArray(d, ndocs, 4, le32); err != nil {
		return nil, opt, err
	}
	if s.dlen, err = readArray(d, ndocs, 4, le32); err != nil {
		return nil, opt, err
	}
	if s.dead, err = readArray(d, (ndocs+63)/64, 8, leU64); err != nil {
		return nil, opt, err
	}
	nscopes, err := d.count(maxDocs, "scopes")
	if err != nil {
		return nil, opt, err
	}
	for range nscopes {
		sc, err := d.str()
		if err != nil {
			return nil, opt, err
		}
		s.scopeID[sc] = uint32(len(s.scopes))
		s.scopes = append(s.scopes, sc)
	}
	narticles, err := d.count(uint64(ndocs), "articles")
	if err != nil {
		return nil, opt, err
	}
	for range narticles {
		id, err := d.u64()
		if err != nil {
			return nil, opt, err
		}
		first, err := d.u32()
		if err != nil {
			return nil, opt, err
		}
		n, err := d.u32()
		if err != nil {
			return nil, opt, err
		}
		s.articles[int64(id)] = span{first: first, n: n}
	}
	nterms, err := d.count(math.MaxUint32, "terms")
	if err != nil {
		return nil, opt, err
	}
	heads := make([]termHeader, 0, min(nterms, readChunk/32))
	for range nterms {
		t, err := d.str()
		if err != nil {
			return nil, opt, err
		}
		var h termHeader
		var maxF uint32
		for _, p := range []*uint32{&h.n, &h.open, &maxF, &h.minD, &h.nblocks, &h.ndata} {
			if *p, err = d.u32(); err != nil {
				return nil, opt, err
			}
		}
		h.maxF = math.Float32frombits(maxF)
		s.termID[t] = uint32(len(s.terms))
		s.terms = append(s.terms, t)
		heads = append(heads, h)
	}
	var sl slab
	s.lists = make([]plist, len(heads))
	for i, h := range heads {
		if uint64(h.nblocks) > uint64(h.n) {
			return nil, opt, fmt.Errorf("%w: %d blocks for %d postings", ErrSnapshot, h.nblocks, h.n)
		}
		bs, err := readArray(d, int(h.nblocks), 16, func(b []byte) block {
			return block{last: le32(b), off: le32(b[4:]), maxF: math.Float32frombits(le32(b[8:])), minD: le32(b[12:])}
		})
		if err != nil {
			return nil, opt, err
		}
		s.lists[i] = plist{blocks: sl.blockSlice(bs), n: h.n, open: h.open, maxF: h.maxF, minD: h.minD}
	}
	for i, h := range heads {
		if int(h.ndata) <= slabSize/4 {
			b := sl.takeBytes(int(h.ndata))
			if err := d.full(b); err != nil {
				return nil, opt, err
			}
			s.lists[i].data = b
		} else if s.lists[i].data, err = d.bytesN(int(h.ndata)); err != nil {
			return nil, opt, err
		}
	}
	sum := d.crc.Sum32()
	var tail [4]byte
	if _, err := io.ReadFull(d.r, tail[:]); err != nil {
		return nil, opt, err
	}
	if binary.LittleEndian.Uint32(tail[:]) != sum {
		return nil, opt, fmt.Errorf("%w: checksum mismatch", ErrSnapshot)
	}
	if err := s.check(); err != nil {
		return nil, opt, err
	}
	return s, opt, nil
}

// check verifies the invariants a search relies on, so that even a
// snapshot with a valid checksum but inconsistent contents is an error
// rather than a panic later. (Postings are checked as they are decoded.)
func (s *state) check() error {
	n := s.ndocs()
	bad := func(what string) error { return fmt.Errorf("%w: %s", ErrSnapshot, what) }
	dead, total := 0, uint64(0)
	for d := range n {
		total += uint64(s.dlen[d])
		if int(s.scope[d]) >= len(s.scopes) {
			return bad("scope id out of range")
		}
		if s.isDead(uint32(d)) {
			dead++
		}
	}
	if dead != s.ndead || total != s.total {
		return bad("document counts")
	}
	for _, sp := range s.articles {
		if uint64(sp.first)+uint64(sp.n) > uint64(n) {
			return bad("article span out of range")
		}
	}
	for i := range s.lists {
		l := &s.lists[i]
		if l.open >= blockSize || (len(l.blocks) == 0) != (l.n == 0) {
			return bad("list header")
		}
		prevOff, prevLast := uint32(0), uint32(0)
		for j, b := range l.blocks {
			if b.off < prevOff || int(b.off) > len(l.data) || b.last < prevLast || int(b.last) >= n || (j == 0 && b.off != 0) {
				return bad("block table")
			}
			prevOff, prevLast = b.off, b.last
		}
	}
	return nil
}

// rebound recomputes the weighted-frequency bounds of every block for
// opt's weights.
func (s *state) rebound(opt Options) {
	var docs, tt, tb [blockSize]uint32
	for i := range s.lists {
		l := &s.lists[i]
		l.maxF = 0
		for bi := range l.blocks {
			buf, base := l.blockRange(bi)
			k := decodeBlock(buf, base, uint32(s.ndocs()), &docs, &tt, &tb)
			f := 0.0
			for j := range k {
				f = max(f, opt.weighted(tt[j], tb[j]))
			}
			l.blocks[bi].maxF = roundUp32(f)
			l.maxF = max(l.maxF, l.blocks[bi].maxF)
		}
	}
}
