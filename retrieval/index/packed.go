package index

import "encoding/binary"

// A full block (blockSize postings) is stored bit-packed; only a list's
// open last block, which appends go to, is varint-encoded (appendPosting).
// Varints cost a branch per byte to decode, and a cursor that looks up one
// document of a block (a MaxScore probe) had to decode all its postings'
// frequencies to reach it. Packed, the doc numbers decode in a tight loop
// and a frequency is read by its position, without decoding the others.
//
// Layout of a packed block:
//
//	docBits, tbBits, ttBits  one byte each: the widths below (0-32)
//	uvarint(first delta)     the first doc minus the block's base
//	127 x docBits            each later doc minus the previous one, minus 1
//	128 x tbBits             body frequencies
//	128 x ttBits             title frequencies (0 bits when none has one)
//
// Each section is packed least significant bit first and padded to a byte.
// A list of mostly consecutive documents (a very common term) packs to
// almost nothing, and a typical posting takes about a byte, against two or
// three as varints.

// packedHeader is the size of the widths before the first delta.
const packedHeader = 3

// bitsFor is the number of bits that hold v.
func bitsFor(v uint32) uint {
	n := uint(0)
	for ; v != 0; v >>= 1 {
		n++
	}
	return n
}

// packedLen is the size of n values of w bits.
func packedLen(n int, w uint) int { return (n*int(w) + 7) / 8 }

// appendPacked appends vals in w bits each (every value must fit).
func appendPacked(dst []byte, vals []uint32, w uint) []byte {
	if w == 0 {
		return dst
	}
	var acc uint64
	var have uint
	for _, v := range vals {
		acc |= uint64(v) << have
		have += w
		for have >= 8 {
			dst = append(dst, byte(acc))
			acc >>= 8
			have -= 8
		}
	}
	if have > 0 {
		dst = append(dst, byte(acc))
	}
	return dst
}

// unpack reads len(dst) values of w bits from src, which holds exactly
// packedLen(len(dst), w) bytes.
func unpack(dst []uint32, src []byte, w uint) {
	if w == 0 {
		clear(dst)
		return
	}
	mask := uint64(1)<<w - 1
	var acc uint64
	var have uint
	p := 0
	for i := range dst {
		if have < w {
			if p+4 <= len(src) {
				acc |= uint64(binary.LittleEndian.Uint32(src[p:])) << have
				p += 4
				have += 32
			} else {
				for have < w && p < len(src) {
					acc |= uint64(src[p]) << have
					p++
					have += 8
				}
			}
		}
		dst[i] = uint32(acc & mask)
		acc >>= w
		have -= w
	}
}

// bitsAt returns value i of a section of w-bit values.
func bitsAt(src []byte, i int, w uint) uint32 {
	if w == 0 {
		return 0
	}
	bit := uint(i) * w
	p := int(bit >> 3)
	var acc uint64
	for j := 0; j < 5 && p+j < len(src); j++ {
		acc |= uint64(src[p+j]) << (8 * j)
	}
	return uint32(acc>>(bit&7)) & uint32(uint64(1)<<w-1)
}

// appendPackedBlock appends a full block of postings (docs increasing,
// after base) in the packed layout.
func appendPackedBlock(dst []byte, base uint32, docs, tt, tb *[blockSize]uint32) []byte {
	var deltas [blockSize - 1]uint32
	var dmax, tbmax, ttmax uint32
	for i := 1; i < blockSize; i++ {
		deltas[i-1] = docs[i] - docs[i-1] - 1
		dmax |= deltas[i-1]
	}
	for i := range blockSize {
		tbmax |= tb[i]
		ttmax |= tt[i]
	}
	dw, bw, tw := bitsFor(dmax), bitsFor(tbmax), bitsFor(ttmax)
	dst = append(dst, byte(dw), byte(bw), byte(tw))
	dst = appendUvarint(dst, docs[0]-base)
	dst = appendPacked(dst, deltas[:], dw)
	dst = appendPacked(dst, tb[:], bw)
	return appendPacked(dst, tt[:], tw)
}

// packedTF locates the frequencies of a packed block, read one at a time
// (tbAt, ttAt) or all at once (decode).
type packedTF struct {
	tb, tt []byte
	bw, tw uint
}

// unpackDocs decodes the doc numbers of the packed block buf into docs and
// locates its frequencies in tf. It returns blockSize, or 0 when the block
// is malformed (a size that does not match its widths, a width over 32, a
// doc not below ndocs), so a damaged snapshot cannot make a search panic
// or read past its block.
func unpackDocs(buf []byte, base, ndocs uint32, docs *[blockSize]uint32, tf *packedTF) int {
	if len(buf) < packedHeader+1 {
		return 0
	}
	dw, bw, tw := uint(buf[0]), uint(buf[1]), uint(buf[2])
	if dw > 32 || bw > 32 || tw > 32 {
		return 0
	}
	first, p := uvarint(buf, packedHeader)
	if p < 0 {
		return 0
	}
	dl, bl := packedLen(blockSize-1, dw), packedLen(blockSize, bw)
	if len(buf) != p+dl+bl+packedLen(blockSize, tw) {
		return 0
	}
	unpack(docs[1:], buf[p:p+dl], dw)
	doc := uint64(base) + uint64(first)
	docs[0] = uint32(doc)
	for i := 1; i < blockSize; i++ {
		doc += uint64(docs[i]) + 1
		docs[i] = uint32(doc)
	}
	if doc >= uint64(ndocs) { // the largest: every doc is below ndocs
		return 0
	}
	p += dl
	*tf = packedTF{tb: buf[p : p+bl], tt: buf[p+bl:], bw: bw, tw: tw}
	return blockSize
}

// decode fills tt and tb with all the block's frequencies.
func (tf *packedTF) decode(tt, tb *[blockSize]uint32) {
	unpack(tb[:], tf.tb, tf.bw)
	unpack(tt[:], tf.tt, tf.tw)
}

// tbAt and ttAt return posting i's body and title frequencies.
func (tf *packedTF) tbAt(i int) uint32 { return bitsAt(tf.tb, i, tf.bw) }
func (tf *packedTF) ttAt(i int) uint32 { return bitsAt(tf.tt, i, tf.tw) }

// packed reports whether block i is stored packed: every block but an open
// last one.
func (l *plist) packed(i int) bool { return i < len(l.blocks)-1 || l.open == 0 }

// decode decodes all of block i's postings, whatever its layout, and
// returns how many it decoded (see decodeBlock and unpackDocs for what a
// malformed block gives).
func (l *plist) decode(i int, ndocs uint32, docs, tt, tb *[blockSize]uint32) int {
	buf, base := l.blockRange(i)
	if !l.packed(i) {
		return decodeBlock(buf, base, ndocs, docs, tt, tb)
	}
	var tf packedTF
	n := unpackDocs(buf, base, ndocs, docs, &tf)
	if n > 0 {
		tf.decode(tt, tb)
	}
	return n
}

// pack re-encodes the last block, just filled by appends as varints, in the
// packed layout. The list's bytes are its own then: the append that filled
// the block copied them out of a snapshot if they were still in it.
//
// A block that does not decode whole came damaged from a snapshot (with a
// valid checksum: only a deliberate change does that); it is left as it
// is. Read as a packed block it then almost always decodes to no postings
// (its size would have to match the widths its first bytes give), and at
// worst to wrong ones below ndocs: the damage costs that block's
// postings, never a panic.
func (l *plist) pack() {
	i := len(l.blocks) - 1
	var docs, tt, tb [blockSize]uint32
	buf, base := l.blockRange(i)
	if decodeBlock(buf, base, endDoc, &docs, &tt, &tb) != blockSize {
		return
	}
	off := l.blocks[i].off
	l.data = appendPackedBlock(l.data[:off], base, &docs, &tt, &tb)
}
