package parse

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

// Field names accepted in json and jsonl records (compared lower-cased), in
// order of preference. They cover MultiHop-RAG, Reuters-21578 as
// converted, and the usual news-API spellings. Read-only tables.
var (
	bodyFields   = []string{"body", "text", "content"}
	titleFields  = []string{"title", "headline"}
	urlFields    = []string{"url", "link"}
	dateFields   = []string{"published_at", "date", "publish_date", "published", "pubdate", "published_date", "datepublished"}
	sourceFields = []string{"source", "outlet", "publisher"}
	authorFields = []string{"author", "authors", "byline"}
)

// readJSON reads a .json file holding one object, several objects one after
// another, or an array of objects, decoding one record at a time so a large
// corpus never has to be one value in memory.
func (e emitter) readJSON(name string, r io.Reader) error {
	br := bufio.NewReader(r)
	first, err := firstNonSpace(br)
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = invalidf("empty JSON file")
		}
		e.onErr(name, jsonErr(err))
		return nil
	}
	dec := json.NewDecoder(br)
	inArray := first == '['
	if inArray {
		if _, err := dec.Token(); err != nil {
			e.onErr(name, jsonErr(err))
			return nil
		}
	}
	for n := 1; ; n++ {
		if inArray && !dec.More() {
			break
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			if !inArray && errors.Is(err, io.EOF) {
				break
			}
			// A syntax error leaves the decoder lost: stop this file.
			e.onErr(fmt.Sprintf("%s:%d", name, n), fmt.Errorf("record %d: %w", n, jsonErr(err)))
			return nil
		}
		if err := e.record(fmt.Sprintf("%s:%d", name, n), n, raw); err != nil {
			return err
		}
	}
	if inArray {
		if _, err := dec.Token(); err != nil {
			e.onErr(name, jsonErr(err))
		}
	}
	return nil
}

// firstNonSpace returns the first byte of r that is not white space or a
// byte order mark, leaving it unread.
func firstNonSpace(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		case 0xEF: // UTF-8 byte order mark
			if next, err := br.Peek(2); err == nil && next[0] == 0xBB && next[1] == 0xBF {
				br.Discard(2)
				continue
			}
		}
		return b, br.UnreadByte()
	}
}

// jsonErr describes a decoding failure; the limit error becomes a size
// message.
func jsonErr(err error) error {
	if errors.Is(err, errTooLarge) {
		return corpus.Invalidf(corpus.ErrTooLarge, "the JSON file is larger than %s", SizeText(maxJSONBytes))
	}
	var ie *corpus.InputError
	if errors.As(err, &ie) {
		return err
	}
	return invalidf("bad JSON: %v", err)
}

// readJSONL reads one JSON object per line; blank lines are skipped and a
// bad line is reported with its number without stopping the file.
func (e emitter) readJSONL(name string, r io.Reader) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for n := 1; ; n++ {
		line, tooLong, err := readLine(br, int(e.maxBytes))
		if err != nil && !errors.Is(err, io.EOF) {
			e.onErr(fmt.Sprintf("%s:%d", name, n), fmt.Errorf("line %d: read: %w", n, err))
			return nil
		}
		source := fmt.Sprintf("%s:%d", name, n)
		switch {
		case tooLong:
			e.onErr(source, fmt.Errorf("record %d: %w", n, tooLarge(e.maxBytes)))
		case len(bytes.TrimSpace(line)) > 0:
			if err := e.record(source, n, line); err != nil {
				return err
			}
		}
		if err != nil { // io.EOF
			return nil
		}
	}
}

// readLine reads one line without its line ending. A line longer than max
// is read through and dropped, reported by tooLong. At the end of input it
// returns io.EOF with the last (possibly empty) line.
func readLine(br *bufio.Reader, max int) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(chunk) > max+2 { // +2 for "\r\n"
				tooLong, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		line = bytes.TrimRight(line, "\r\n")
		return line, tooLong, err
	}
}

// record turns one JSON value into an article and emits it; only ctx's and
// fn's errors are returned.
func (e emitter) record(source string, n int, raw []byte) error {
	if int64(len(raw)) > e.maxBytes {
		e.onErr(source, fmt.Errorf("record %d: %w", n, tooLarge(e.maxBytes)))
		return nil
	}
	// The fast path first; encoding/json decides (and words the error)
	// for whatever it leaves alone.
	obj, ok := decodeObject(raw)
	if !ok {
		if err := json.Unmarshal(raw, &obj); err != nil {
			var typeErr *json.UnmarshalTypeError
			if errors.As(err, &typeErr) {
				e.onErr(source, invalidf("record %d: not a JSON object", n))
			} else {
				e.onErr(source, invalidf("record %d: bad JSON: %v", n, err))
			}
			return nil
		}
	}
	a, err := articleFromRecord(obj, func(err error) { e.onErr(source, fmt.Errorf("record %d: %w", n, err)) })
	if err != nil {
		e.onErr(source, fmt.Errorf("record %d: %w", n, err))
		return nil
	}
	return e.emit(source, a)
}

// articleFromRecord maps the fields of a JSON record onto an article. warn
// hears of values it cannot use (an unparseable date leaves PublishedAt
// zero); a record without body text is an error.
func articleFromRecord(obj map[string]json.RawMessage, warn func(error)) (corpus.Article, error) {
	fields := make(map[string]json.RawMessage, len(obj))
	for k, v := range obj {
		lk := strings.ToLower(k)
		if _, dup := fields[lk]; !dup || k == lk {
			fields[lk] = v
		}
	}
	first := func(names []string, conv func(json.RawMessage) string) (string, string) {
		for _, n := range names {
			if v, ok := fields[n]; ok {
				if s := strings.TrimSpace(conv(v)); s != "" {
					return s, n
				}
			}
		}
		return "", ""
	}
	var a corpus.Article
	a.Body, _ = first(bodyFields, jsonText)
	if a.Body == "" {
		return corpus.Article{}, invalidf("no body/text/content field")
	}
	a.Title, _ = first(titleFields, jsonText)
	a.URL, _ = first(urlFields, jsonText)
	a.Source, _ = first(sourceFields, jsonName)
	a.Author, _ = first(authorFields, jsonNames)
	for _, n := range dateFields {
		v, ok := fields[n]
		if !ok {
			continue
		}
		t, err := jsonTime(v)
		if err != nil {
			warn(fmt.Errorf("field %s: %w", n, err))
			continue
		}
		if !t.IsZero() {
			a.PublishedAt = t
			break
		}
	}
	return a, nil
}

// jsonText returns a JSON string's value, a number's digits, or "".
func jsonText(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return ""
	}
	switch v[0] {
	case '"':
		if s, ok := unquoteString(v); ok {
			return s
		}
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return string(v)
	}
	return ""
}

// jsonName reads a name given as a string or as an object with a "name"
// field (publishers and authors in news APIs and JSON-LD).
func jsonName(v json.RawMessage) string {
	if s := jsonText(v); s != "" {
		return s
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(v, &obj) == nil {
		for _, k := range []string{"name", "title", "id"} {
			if s := jsonText(obj[k]); s != "" {
				return s
			}
		}
	}
	return ""
}

// jsonNames reads one or several names (a string, an object with "name", or
// an array of those) and joins them with ", ".
func jsonNames(v json.RawMessage) string {
	var arr []json.RawMessage
	if json.Unmarshal(v, &arr) != nil {
		return jsonName(v)
	}
	var names []string
	for _, el := range arr {
		if s := strings.TrimSpace(jsonName(el)); s != "" {
			names = append(names, s)
		}
	}
	return strings.Join(names, ", ")
}

// jsonTime reads a date given as a string (see ParseDate) or as Unix
// seconds or milliseconds; null and "" give the zero time.
func jsonTime(v json.RawMessage) (time.Time, error) {
	s := strings.TrimSpace(jsonText(v))
	if s == "" {
		return time.Time{}, nil
	}
	return ParseDate(s)
}
