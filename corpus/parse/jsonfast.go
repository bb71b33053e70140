package parse

import (
	"encoding/binary"
	"encoding/json"
	"unicode/utf16"
	"unicode/utf8"
)

// A bulk ingest of JSONL spent most of its reading time in encoding/json:
// each record was scanned once to validate it, again to split it into a
// map of raw values, and each string field twice more to unquote it (7.7
// of the 11.9 CPU-s the reader took for the 200k-article benchmark corpus,
// on the goroutine every other stage waits for). decodeObject and
// unquoteString do the common case in one pass. They accept only input
// they fully understand and report !ok for anything else (invalid or
// unusual JSON, invalid UTF-8, escapes in keys), and the caller then
// falls back to encoding/json, whose result and error messages stay the
// reference: FuzzDecodeObject checks that the two agree.

// decodeObject splits one JSON object into its members, as
// json.Unmarshal into map[string]json.RawMessage does (a later duplicate
// key replaces an earlier one). ok is false when raw is not an object
// this fast path vouches for; the caller must then use encoding/json.
func decodeObject(raw []byte) (obj map[string]json.RawMessage, ok bool) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return nil, false
	}
	obj = make(map[string]json.RawMessage, 8)
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return obj, skipSpace(raw, i+1) == len(raw)
	}
	for {
		if i >= len(raw) || raw[i] != '"' {
			return nil, false
		}
		end, escaped, ok := scanString(raw, i)
		if !ok || escaped {
			return nil, false // keys with escapes are rare: leave them to encoding/json
		}
		key := string(raw[i+1 : end-1])
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ':' {
			return nil, false
		}
		i = skipSpace(raw, i+1)
		vend, ok := scanValue(raw, i)
		if !ok {
			return nil, false
		}
		obj[key] = json.RawMessage(raw[i:vend])
		i = skipSpace(raw, vend)
		if i >= len(raw) {
			return nil, false
		}
		switch raw[i] {
		case ',':
			i = skipSpace(raw, i+1)
		case '}':
			return obj, skipSpace(raw, i+1) == len(raw)
		default:
			return nil, false
		}
	}
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// scanValue returns the end of the JSON value starting at b[i]. Strings
// are scanned here; anything else (numbers, literals, arrays, objects,
// all short in news records) is delimited and then validated by
// json.Valid, so a value this accepts is one encoding/json accepts.
func scanValue(b []byte, i int) (end int, ok bool) {
	if i >= len(b) {
		return 0, false
	}
	if b[i] == '"' {
		end, _, ok = scanString(b, i)
		return end, ok
	}
	end = i
	if b[i] == '{' || b[i] == '[' {
		// encoding/json refuses nesting deeper than 10,000 levels counted
		// from the record, json.Valid from the value; news records are
		// shallow, so anything deep is left to encoding/json.
		const maxDepth = 64
		depth := 0
	nested:
		for end < len(b) {
			switch b[end] {
			case '"':
				e, _, ok := scanString(b, end)
				if !ok {
					return 0, false
				}
				end = e
				continue
			case '{', '[':
				if depth++; depth > maxDepth {
					return 0, false
				}
			case '}', ']':
				depth--
				if depth == 0 {
					end++
					break nested
				}
			}
			end++
		}
		if depth != 0 {
			return 0, false
		}
	} else {
		for end < len(b) && !isDelimiter(b[end]) {
			end++
		}
	}
	return end, end > i && json.Valid(b[i:end])
}

// isDelimiter reports whether c ends a number or literal inside an object.
func isDelimiter(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}

// scanString returns the end (one past the closing quote) of the JSON
// string starting at b[i] == '"' and whether it holds escapes. ok is false
// for a control character, an unknown escape, a bad \u sequence, invalid
// UTF-8 (which encoding/json would replace: left to it) or no closing
// quote.
func scanString(b []byte, i int) (end int, escaped, ok bool) {
	for j := i + 1; j < len(b); {
		// Eight plain ASCII bytes at a time: most of a news text.
		for j+8 <= len(b) && plainASCII(binary.LittleEndian.Uint64(b[j:])) {
			j += 8
		}
		if j >= len(b) {
			break
		}
		c := b[j]
		switch {
		case c == '"':
			return j + 1, escaped, true
		case c == '\\':
			escaped = true
			if j+1 >= len(b) {
				return 0, false, false
			}
			switch b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if hex4(b[j+2:]) < 0 {
					return 0, false, false
				}
				j += 6
			default:
				return 0, false, false
			}
		case c < 0x20:
			return 0, false, false
		case c < utf8.RuneSelf:
			j++
		default:
			r, size := utf8.DecodeRune(b[j:])
			if r == utf8.RuneError && size == 1 {
				return 0, false, false
			}
			j += size
		}
	}
	return 0, false, false
}

// plainASCII reports whether none of the eight bytes in w is a quote, a
// backslash, a control character or a non-ASCII byte: the classic test
// for a zero byte, (x-0x01..)&^x&0x80.., applied to w xor each special
// byte, and, once every byte is below 0x80 (so no sum carries into the
// next byte), a control byte c < 0x20 as the one whose c+0x60 lacks bit 7.
func plainASCII(w uint64) bool {
	const (
		lo = 0x0101010101010101
		hi = 0x8080808080808080
	)
	quote := w ^ (lo * '"')
	backslash := w ^ (lo * '\\')
	control := w + lo*0x60
	special := (quote - lo) & ^quote & hi
	special |= (backslash - lo) & ^backslash & hi
	special |= ^control & hi
	return w&hi == 0 && special == 0
}

// hex4 decodes the four hex digits at the start of b, or returns -1.
func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// unquoteString returns the value of the JSON string s (with its quotes),
// decoded as encoding/json decodes it (a lone or mismatched surrogate
// becomes U+FFFD), or !ok when s is not a string scanString accepts.
func unquoteString(s []byte) (string, bool) {
	if len(s) < 2 || s[0] != '"' {
		return "", false
	}
	end, escaped, ok := scanString(s, 0)
	if !ok || end != len(s) {
		return "", false
	}
	body := s[1 : len(s)-1]
	if !escaped {
		return string(body), true
	}
	out := make([]byte, 0, len(body))
	for j := 0; j < len(body); {
		c := body[j]
		if c != '\\' {
			out = append(out, c)
			j++
			continue
		}
		switch e := body[j+1]; e {
		case 'u':
			r := hex4(body[j+2:])
			j += 6
			if utf16.IsSurrogate(r) {
				if j+1 < len(body) && body[j] == '\\' && body[j+1] == 'u' {
					if r2 := hex4(body[j+2:]); r2 >= 0 {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							out = utf8.AppendRune(out, dec)
							j += 6
							continue
						}
					}
				}
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
		default:
			out = append(out, unescape(e))
			j += 2
		}
	}
	return string(out), true
}

// unescape returns the byte a one-letter JSON escape stands for.
func unescape(e byte) byte {
	switch e {
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	}
	return e // '"', '\\', '/'
}
