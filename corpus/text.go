package corpus

import (
	"bytes"
	"unicode/utf8"
)

// DefaultMaxBytes is the size limit for one article's input (a file, a
// line of jsonl, an attachment, a web page, pasted text) when none is
// configured: a long news page with its markup is one or two MiB, so
// anything bigger is a book, a dump or a mistake, which would become
// thousands of passages and hold them all in memory at once.
const DefaultMaxBytes = 5 << 20

// Thresholds of CheckText.
const (
	// maxInvalidShare: a Windows-1252 news file has a few per cent of bytes
	// that are not UTF-8 (accents, curly quotes); random or compressed data
	// has about half.
	maxInvalidShare = 0.2
	// maxControlShare: text holds tabs and line breaks, maybe a stray form
	// feed; binary data has about one byte in eight below 0x20.
	maxControlShare = 0.02
)

// CheckText returns an *InputError of kind ErrNotText when data is binary
// rather than text: it holds a NUL byte, or a high share of bytes that are
// neither UTF-8 nor plain text (control characters), as an image, an
// archive or a PDF renamed .txt does. Data starting with a UTF-16 byte
// order mark is not checked here (its NULs are text); check it after
// decoding.
func CheckText(data []byte) error {
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return nil
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return Invalidf(ErrNotText, "it contains NUL bytes, so it is binary data (an image, archive or PDF?), not text")
	}
	var invalid, control, n int
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			invalid++
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\f' && r != '\v', r == 0x7F:
			control++
		}
		i += size
		n++
	}
	if n == 0 {
		return nil
	}
	if float64(invalid) > maxInvalidShare*float64(n) {
		return Invalidf(ErrNotText, "%d%% of it is not valid text, so it is binary data, not text", invalid*100/n)
	}
	if float64(control) > maxControlShare*float64(n) {
		return Invalidf(ErrNotText, "%d%% of it is control characters, so it is binary data, not text", control*100/n)
	}
	return nil
}
