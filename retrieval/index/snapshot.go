package index

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/bits"
)

// ErrSnapshot means a snapshot cannot be read: not a snapshot, another
// version, truncated or damaged. The caller rebuilds the index from the
// store.
var ErrSnapshot = errors.New("bad index snapshot")

// snapshotMagic starts every snapshot file.
const snapshotMagic = "NBINDEX\n"

// snapshotVersion changes with every change of the format; a reader
// rejects every other version.
const snapshotVersion = 5 // 3: fixed-size sections; 4: aligned, read in place, no articles section; 5: packed blocks

// Layout of a snapshot: the magic and the version, then the payload,
// whose CRC-32C ends the file. The payload starts with 4 zero bytes, so
// that what follows is 8-byte aligned in the file, and a fixed header of
// options and counts, so that a reader knows every section's size before
// it reads any and can check the file's size against them at once. The
// sections are arrays of fixed-size records, the widest first, so that
// each is aligned for its values and a reader can use them in place.
const (
	snapshotPrefix = len(snapshotMagic) + 4 // magic, version
	headerWords    = 4 + 10                 // options, then seq and 9 counts
	headerSize     = 4 + headerWords*8      // with the padding before it
	listRecord     = 7 * 4                  // n, open, maxF, minD, blocks, bytes, term length
	blockRecord    = 4 * 4                  // last, off, maxF, minD
)

// writeChunk is the size of the buffer WriteSnapshot encodes into before
// it writes: large enough that the writer and the checksum see few calls.
const writeChunk = 1 << 20

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// WriteSnapshot writes the index to w in a versioned binary format ending
// with a CRC-32C of its contents. Writers (Put, Remove) wait meanwhile;
// searches do not.
//
// Format, little-endian: magic, version u32, then the payload: 4 zero
// bytes; options (4 f64); seq, ndocs, ndead, total, nscopes, nterms,
// nblocks, string bytes, postings bytes, mark length (u64 each); the
// documents' pid, aid and pub (u64 arrays) and the dead bitset (u64s);
// every list's blocks (last, off, maxF, minD: u32 each); the documents'
// scope and dlen (u32 arrays); the lists (n, open, maxF, minD, block
// count, byte count, term length: u32 each); the scope names' lengths
// (u32); the strings (mark, scopes, terms, concatenated); every list's
// bytes. Then the CRC of the payload. The articles are not written: they
// are the runs of live documents with the same aid (see articlesOf).
func (x *Index) WriteSnapshot(w io.Writer) error {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	s := x.s // writers are excluded, so s does not change
	e := &encoder{w: w, buf: make([]byte, 0, writeChunk)}
	e.buf = append(e.buf, snapshotMagic...)
	e.buf = binary.LittleEndian.AppendUint32(e.buf, snapshotVersion)
	e.flush()
	e.crc = 0 // the CRC covers the payload after the version
	e.hash = true

	nblocks, ndata, nstr := 0, 0, len(s.mark)
	for _, sc := range s.scopes {
		nstr += len(sc)
	}
	for i := range s.lists {
		nblocks += len(s.lists[i].blocks)
		ndata += len(s.lists[i].data)
		nstr += len(s.terms[i])
	}
	e.u32(0)
	for _, f := range []float64{x.opt.K1, x.opt.B, x.opt.TitleWeight, x.opt.BodyWeight} {
		e.u64(math.Float64bits(f))
	}
	for _, v := range []int{int(s.seq), s.ndocs(), s.ndead, int(s.total), len(s.scopes),
		len(s.terms), nblocks, nstr, ndata, len(s.mark)} {
		e.u64(uint64(v))
	}
	for _, arr := range [][]int64{s.pid, s.aid, s.pub} {
		for _, v := range arr {
			e.u64(uint64(v))
		}
	}
	for _, v := range s.dead[:(s.ndocs()+63)/64] {
		e.u64(v)
	}
	for i := range s.lists {
		for _, b := range s.lists[i].blocks {
			e.u32(b.last)
			e.u32(b.off)
			e.u32(math.Float32bits(b.maxF))
			e.u32(b.minD)
		}
	}
	for _, arr := range [][]uint32{s.scope, s.dlen} {
		for _, v := range arr {
			e.u32(v)
		}
	}
	for i := range s.lists {
		l := &s.lists[i]
		for _, v := range []uint32{l.n, l.open, math.Float32bits(l.maxF), l.minD,
			uint32(len(l.blocks)), uint32(len(l.data)), uint32(len(s.terms[i]))} {
			e.u32(v)
		}
	}
	for _, sc := range s.scopes {
		e.u32(uint32(len(sc)))
	}
	e.str(s.mark)
	for _, sc := range s.scopes {
		e.str(sc)
	}
	for _, t := range s.terms {
		e.str(t)
	}
	for i := range s.lists {
		e.bytes(s.lists[i].data)
	}
	e.flush()
	e.hash = false
	e.u32(e.crc)
	e.flush()
	if e.err != nil {
		return fmt.Errorf("write index snapshot: %w", e.err)
	}
	return nil
}

// encoder appends little-endian values to a buffer that it writes out,
// and checksums, when full; it keeps the first error.
type encoder struct {
	w    io.Writer
	buf  []byte
	crc  uint32
	hash bool // the bytes written count in crc
	err  error
}

// flush writes out the buffer.
func (e *encoder) flush() {
	if e.err == nil && len(e.buf) > 0 {
		if e.hash {
			e.crc = crc32.Update(e.crc, castagnoli, e.buf)
		}
		_, e.err = e.w.Write(e.buf)
	}
	e.buf = e.buf[:0]
}

func (e *encoder) u32(v uint32) {
	if len(e.buf)+4 > cap(e.buf) {
		e.flush()
	}
	e.buf = binary.LittleEndian.AppendUint32(e.buf, v)
}

func (e *encoder) u64(v uint64) {
	if len(e.buf)+8 > cap(e.buf) {
		e.flush()
	}
	e.buf = binary.LittleEndian.AppendUint64(e.buf, v)
}

func (e *encoder) str(s string) {
	if len(e.buf)+len(s) > cap(e.buf) {
		e.flush()
	}
	if len(s) > cap(e.buf) {
		e.bytes([]byte(s))
		return
	}
	e.buf = append(e.buf, s...)
}

// bytes writes b, directly when it is large.
func (e *encoder) bytes(b []byte) {
	if len(e.buf)+len(b) <= cap(e.buf) {
		e.buf = append(e.buf, b...)
		return
	}
	e.flush()
	if e.err == nil {
		if e.hash {
			e.crc = crc32.Update(e.crc, castagnoli, b)
		}
		_, e.err = e.w.Write(b)
	}
}

// ReadSnapshot reads an index written by WriteSnapshot from r, holding the
// whole of it in memory: the index reads the buffer read in place (see
// OpenSnapshot). opt are the options of the new index: when their weights
// differ from the snapshot's, the block bounds are recomputed. Returns an
// error wrapping ErrSnapshot when r does not hold a whole, undamaged
// snapshot of this version, and the reader's error for other read
// failures.
func ReadSnapshot(r io.Reader, opt Options) (*Index, error) {
	// The buffer grows with the data read (a damaged length in the data
	// allocates nothing), in one piece when r knows its length.
	var b bytes.Buffer
	if l, ok := r.(interface{ Len() int }); ok {
		b.Grow(l.Len() + bytes.MinRead)
	}
	if _, err := b.ReadFrom(r); err != nil {
		return nil, fmt.Errorf("read index snapshot: %w", err)
	}
	x, err := parseSnapshot(b.Bytes(), opt)
	if err != nil {
		return nil, fmt.Errorf("read index snapshot: %w", err)
	}
	return x, nil
}

// parseSnapshot returns the index a whole snapshot holds, reading buf in
// place (see state.inPlace): nothing ever writes to buf, which may be a
// read-only mapping of the file.
func parseSnapshot(buf []byte, opt Options) (*Index, error) {
	opt = opt.withDefaults()
	if len(buf) < len(snapshotMagic) || string(buf[:len(snapshotMagic)]) != snapshotMagic {
		return nil, fmt.Errorf("%w: not a snapshot", ErrSnapshot)
	}
	if len(buf) < snapshotPrefix {
		return nil, fmt.Errorf("%w: truncated", ErrSnapshot)
	}
	if v := binary.LittleEndian.Uint32(buf[len(snapshotMagic):]); v != snapshotVersion {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrSnapshot, v, snapshotVersion)
	}
	if len(buf) < snapshotPrefix+headerSize+4 {
		return nil, fmt.Errorf("%w: truncated", ErrSnapshot)
	}
	payload := buf[snapshotPrefix : len(buf)-4]
	// The checksum runs beside the decoding: reading the postings, most of
	// the file, is most of its time, and the decoding reads the rest.
	// Decoding a damaged payload is safe (it checks what it reads), and
	// the result is used only if the checksum matches. The checksum is
	// waited for on every path: buf may be unmapped once this returns.
	sum := make(chan uint32, 1)
	go func() { sum <- crc32.Checksum(payload, castagnoli) }()
	s, old, err := parseState(payload)
	if <-sum != binary.LittleEndian.Uint32(buf[len(buf)-4:]) {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrSnapshot)
	}
	if err != nil {
		return nil, err
	}
	x := New(opt)
	if old.TitleWeight != opt.TitleWeight || old.BodyWeight != opt.BodyWeight {
		s.ownBlocks()
		s.rebound(opt)
	}
	x.s = s
	return x, nil
}

// counts are the sizes a snapshot's header declares.
type counts struct {
	ndocs, ndead, nscopes, nterms, nblocks, nstr, ndata, nmark int
}

// Sections of a payload, in order; the postings bytes are the rest.
const (
	secHeader = iota
	secPID
	secAID
	secPub
	secDead
	secBlocks
	secScope
	secDlen
	secLists
	secScopeLens
	secStrings
	nsections
)

// sections splits a payload into its sections after checking that their
// sizes, as the header declares them, add up to the payload's. Every count
// is checked against the payload's size first, so no product overflows and
// nothing is allocated for a size the file does not hold.
func sections(p []byte) (c counts, sec [nsections][]byte, err error) {
	bad := func(what string) error { return fmt.Errorf("%w: %s", ErrSnapshot, what) }
	h := p[4+32 : headerSize] // after the padding and the options: seq, then the counts
	for i, dst := range []*int{&c.ndocs, &c.ndead, nil, &c.nscopes, &c.nterms, &c.nblocks, &c.nstr, &c.ndata, &c.nmark} {
		v := binary.LittleEndian.Uint64(h[8*(i+1):])
		if dst == nil {
			continue // total: any value
		}
		if v > uint64(len(p)) {
			return c, sec, bad("count larger than the file")
		}
		*dst = int(v)
	}
	switch {
	case c.ndocs > maxDocs:
		return c, sec, bad("too many documents")
	case c.ndead > c.ndocs:
		return c, sec, bad("more deleted documents than documents")
	case uint64(c.nterms) > math.MaxUint32 || c.nmark > c.nstr:
		return c, sec, bad("counts")
	}
	docs := uint64(c.ndocs)
	sizes := [nsections]uint64{
		secHeader:    headerSize,
		secPID:       docs * 8,
		secAID:       docs * 8,
		secPub:       docs * 8,
		secDead:      (docs + 63) / 64 * 8,
		secBlocks:    uint64(c.nblocks) * blockRecord,
		secScope:     docs * 4,
		secDlen:      docs * 4,
		secLists:     uint64(c.nterms) * listRecord,
		secScopeLens: uint64(c.nscopes) * 4,
		secStrings:   uint64(c.nstr),
	}
	off := 0
	for i, n := range sizes {
		if n > uint64(len(p)-off) {
			return c, sec, bad("truncated")
		}
		sec[i] = p[off : off+int(n) : off+int(n)]
		off += int(n)
	}
	if len(p)-off != c.ndata {
		return c, sec, bad("size does not match the header")
	}
	return c, sec, nil
}

// parseState decodes and checks a payload, returning the state and the
// options it was written with. The checks are those a search and a
// writer rely on, so that even a snapshot with a valid checksum but
// inconsistent contents is an error rather than a panic later; postings
// are checked as they are decoded (plist.decode), not here.
//
// The state reads p in place: its per-document arrays and blocks are
// views of p where the host allows (see viewOf) and its lists' postings
// always are. It has no articles map; Index.own makes the copies and the
// map before the first change.
func parseState(p []byte) (*state, Options, error) {
	bad := func(what string) error { return fmt.Errorf("%w: %s", ErrSnapshot, what) }
	var opt Options
	c, sec, err := sections(p)
	if err != nil {
		return nil, opt, err
	}
	le := binary.LittleEndian
	h := sec[secHeader][4:]
	opt = Options{K1: math.Float64frombits(le.Uint64(h)), B: math.Float64frombits(le.Uint64(h[8:])),
		TitleWeight: math.Float64frombits(le.Uint64(h[16:])), BodyWeight: math.Float64frombits(le.Uint64(h[24:]))}
	s := &state{
		seq:     int64(le.Uint64(h[32:])),
		ndead:   c.ndead,
		total:   le.Uint64(h[56:]),
		pid:     viewOf[int64](sec[secPID], c.ndocs),
		aid:     viewOf[int64](sec[secAID], c.ndocs),
		pub:     viewOf[int64](sec[secPub], c.ndocs),
		scope:   viewOf[uint32](sec[secScope], c.ndocs),
		dlen:    viewOf[uint32](sec[secDlen], c.ndocs),
		dead:    make([]uint64, (c.ndocs+63)/64), // kill writes it: a copy
		scopeID: make(map[string]uint32, c.nscopes),
		inPlace: true,
	}
	for i := range s.dead {
		s.dead[i] = le.Uint64(sec[secDead][8*i:])
	}
	if err := s.checkDocs(c.nscopes); err != nil {
		return nil, opt, err
	}
	s.summarisePub()

	// The strings are one copy of their section, each a piece of it: one
	// allocation, and no string points into p (which may be a mapping).
	strs := string(sec[secStrings])
	s.mark = strs[:c.nmark]
	at := c.nmark
	for i := range c.nscopes {
		n := int(le.Uint32(sec[secScopeLens][4*i:]))
		if n > len(strs)-at {
			return nil, opt, bad("scope names")
		}
		sc := strs[at : at+n]
		at += n
		s.scopeID[sc] = uint32(len(s.scopes))
		s.scopes = append(s.scopes, sc)
	}

	// Each list's blocks and bytes are its pieces of the sections, capped
	// at their length: an append to either copies it out first.
	blocks := viewOf[block](sec[secBlocks], c.nblocks)
	s.dict = dict{termID: make(map[string]uint32, c.nterms), terms: make([]string, c.nterms)}
	s.lists = make([]plist, c.nterms)
	data := p[len(p)-c.ndata:]
	bo, do := 0, 0
	for i, r := 0, sec[secLists]; i < c.nterms; i, r = i+1, r[listRecord:] {
		l := plist{n: le.Uint32(r), open: le.Uint32(r[4:]), maxF: math.Float32frombits(le.Uint32(r[8:])), minD: le.Uint32(r[12:])}
		nb, nd, nt := int(le.Uint32(r[16:])), int(le.Uint32(r[20:])), int(le.Uint32(r[24:]))
		if nb > len(blocks)-bo || nd > len(data)-do || nt > len(strs)-at {
			return nil, opt, bad("list sizes")
		}
		l.blocks = blocks[bo : bo+nb : bo+nb]
		l.data = data[do : do+nd : do+nd]
		bo, do = bo+nb, do+nd
		if err := l.check(c.ndocs); err != nil {
			return nil, opt, err
		}
		t := strs[at : at+nt]
		at += nt
		s.terms[i] = t
		s.termID[t] = uint32(i)
		s.lists[i] = l
	}
	if bo != len(blocks) || do != len(data) || at != len(strs) {
		return nil, opt, bad("list sizes")
	}
	return s, opt, nil
}

// checkDocs verifies the per-document arrays against each other: scope ids
// in range, the deleted count and the length total as recorded.
func (s *state) checkDocs(nscopes int) error {
	bad := func(what string) error { return fmt.Errorf("%w: %s", ErrSnapshot, what) }
	total := uint64(0)
	for d, sc := range s.scope {
		if int(sc) >= nscopes {
			return bad("scope id out of range")
		}
		total += uint64(s.dlen[d])
	}
	dead := 0
	for i, w := range s.dead {
		if i == len(s.dead)-1 && s.ndocs()%64 != 0 {
			w &= 1<<(s.ndocs()%64) - 1 // bits past the last document mean nothing
		}
		dead += bits.OnesCount64(w)
	}
	if dead != s.ndead || total != s.total {
		return bad("document counts")
	}
	return nil
}

// check verifies the header and block table of a list: what cursors and
// appends index with. The postings bytes are checked as they are decoded.
func (l *plist) check(ndocs int) error {
	// Every block but the last holds blockSize postings, and open says
	// how many the last holds when it is not full; which blocks are packed
	// follows from it (plist.packed).
	if l.open >= blockSize || uint64(l.n) > uint64(ndocs) || uint64(len(l.blocks)) != (uint64(l.n)+blockSize-1)/blockSize || l.open != l.n%blockSize {
		return fmt.Errorf("%w: list header", ErrSnapshot)
	}
	prevOff, prevLast := uint32(0), uint32(0)
	for j, b := range l.blocks {
		if b.off < prevOff || int(b.off) > len(l.data) || b.last < prevLast || int(b.last) >= ndocs || (j == 0 && b.off != 0) {
			return fmt.Errorf("%w: block table", ErrSnapshot)
		}
		prevOff, prevLast = b.off, b.last
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
			k := l.decode(bi, uint32(s.ndocs()), &docs, &tt, &tb)
			f := 0.0
			for j := range k {
				f = max(f, opt.weighted(tt[j], tb[j]))
			}
			l.blocks[bi].maxF = roundUp32(f)
			l.maxF = max(l.maxF, l.blocks[bi].maxF)
		}
	}
}
