package parse

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/newsbot/newsbot/corpus"
)

// Limits of reading that are not the size of one article (see
// Reader.MaxBytes).
const (
	// maxJSONBytes bounds a whole .json file, which is decoded one record
	// at a time: it stops a decompression bomb from running forever while
	// leaving room for corpora much larger than MultiHop-RAG's 7 MB.
	maxJSONBytes = 1 << 30
	// maxTitleLineRunes: a first line longer than this is a paragraph, not
	// a headline, so a txt file starting with it has no title line.
	maxTitleLineRunes = 300
)

// supportedTypes names the file types Read accepts, for error messages.
const supportedTypes = ".txt, .md, .markdown, .html, .htm, .json, .jsonl or .ndjson, optionally gzipped (.gz)"

// format is the kind of content a file name announces.
type format int

const (
	formatUnknown format = iota
	formatText
	formatMarkdown
	formatHTML
	formatJSON
	formatJSONL
)

// formatOf returns the format of a file name and whether it is gzipped.
func formatOf(name string) (format, bool) {
	base := strings.ToLower(filepath.Base(name))
	gz := strings.HasSuffix(base, ".gz")
	base = strings.TrimSuffix(base, ".gz")
	switch filepath.Ext(base) {
	case ".txt", ".text":
		return formatText, gz
	case ".md", ".markdown":
		return formatMarkdown, gz
	case ".html", ".htm", ".xhtml":
		return formatHTML, gz
	case ".json":
		return formatJSON, gz
	case ".jsonl", ".ndjson":
		return formatJSONL, gz
	}
	return formatUnknown, gz
}

// IsSupported reports whether Read can read a file of this name, so a
// caller (a Discord attachment handler, a directory walk) can refuse other
// files before fetching them.
func IsSupported(name string) bool {
	f, _ := formatOf(name)
	return f != formatUnknown
}

// Reader reads articles from files and uploads. Its zero value is ready to
// use.
type Reader struct {
	// MaxBytes bounds the input of one article: a txt, md or html file, one
	// jsonl line, one json record. Bigger input is refused with an error
	// wrapping corpus.ErrTooLarge. <= 0 means corpus.DefaultMaxBytes.
	MaxBytes int64
	// Raw hands the articles over unprepared: the caller runs
	// corpus.Prepare itself (bulk ingest does, on every core) and counts
	// its errors.
	Raw bool
}

// maxBytes is the effective limit of one article's input.
func (rd Reader) maxBytes() int64 {
	if rd.MaxBytes <= 0 {
		return corpus.DefaultMaxBytes
	}
	return rd.MaxBytes
}

// ReadPath reads the articles in a file or, recursively, in a directory and
// calls fn with each one, prepared (see Prepare). A directory is walked in
// lexical order; hidden files and directories (".name"), a data set's own
// documentation (README, SOURCES, LICENSE, CHANGELOG: see isProjectDoc) and
// files of unsupported types are skipped silently, while a file named explicitly
// with an unsupported type is reported to onErr.
//
// A file or record that cannot be read is reported to onErr with its
// source ("dir/a.html", "b.jsonl:17") and reading goes on; onErr also hears
// of non-fatal problems such as an unparseable date, which leaves
// PublishedAt zero. onErr may be nil. ReadPath returns an error only when
// path cannot be opened, when ctx is done, or when fn returns one; fn's
// error stops the reading.
func (rd Reader) ReadPath(ctx context.Context, path string, fn func(corpus.Article) error, onErr func(source string, err error)) error {
	if onErr == nil {
		onErr = func(string, error) {}
	}
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		// Said once, in words: the path is the failure's source already.
		return fs.ErrNotExist
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if !info.IsDir() {
		if !IsSupported(path) {
			onErr(path, unsupportedError(path))
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		defer f.Close()
		return rd.Read(ctx, path, f, fn, onErr)
	}

	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == path {
				return err
			}
			onErr(p, err)
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if p != path && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !(d.Type().IsRegular() || d.Type()&fs.ModeSymlink != 0) {
			return nil
		}
		if IsSupported(p) && !isProjectDoc(d.Name()) {
			files = append(files, p)
		}
		return ctx.Err()
	})
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	for _, p := range files {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		if err := rd.readFile(ctx, p, fn, onErr); err != nil {
			return err
		}
	}
	return nil
}

// readFile reads one file found in a directory; failing to open it is that
// file's problem, not the walk's.
func (rd Reader) readFile(ctx context.Context, path string, fn func(corpus.Article) error, onErr func(string, error)) error {
	f, err := os.Open(path)
	if err != nil {
		onErr(path, err)
		return nil
	}
	defer f.Close()
	return rd.Read(ctx, path, f, fn, onErr)
}

// Read reads the articles in r, whose format comes from the extension of
// name (see IsSupported; "x.jsonl.gz" is gzipped jsonl), and calls fn with
// each one, prepared (see Prepare). Records and content that cannot be read
// are reported to onErr, with name or "name:N" (N is the jsonl line or the
// json record number) as source, and reading goes on; onErr may be nil.
//
// A txt file is a title line followed by the body. A md file may start with
// a front-matter block (title, url, source, author, date) and otherwise
// takes its title from the first line. An html page goes through ParseHTML.
// A json file holds one object or an array of objects, a jsonl file one
// object per line, each with a body (or text or content) and optionally
// title, url, published_at (or date, publish_date, published, pubDate),
// source (or outlet, publisher) and author (or authors).
//
// Read returns an error wrapping ErrInvalid when name has an unsupported
// type, and otherwise only ctx's error or fn's, which stops the reading.
func (rd Reader) Read(ctx context.Context, name string, r io.Reader, fn func(corpus.Article) error, onErr func(source string, err error)) error {
	if onErr == nil {
		onErr = func(string, error) {}
	}
	f, gz := formatOf(name)
	if f == formatUnknown {
		return unsupportedError(name)
	}
	if gz {
		zr, err := gzip.NewReader(r)
		if err != nil {
			onErr(name, fmt.Errorf("gunzip: %w", err))
			return nil
		}
		defer zr.Close()
		r = zr
	}
	e := emitter{ctx: ctx, fn: fn, onErr: onErr, maxBytes: rd.maxBytes(), raw: rd.Raw}
	switch f {
	case formatJSON:
		return e.readJSON(name, &limitReader{r: r, n: maxJSONBytes})
	case formatJSONL:
		return e.readJSONL(name, r)
	}

	data, err := readAllLimited(r, e.maxBytes)
	if err != nil {
		onErr(name, err)
		return nil
	}
	var a corpus.Article
	switch f {
	case formatText, formatMarkdown:
		text, err := decodeText(data)
		if err != nil {
			onErr(name, err)
			return nil
		}
		if f == formatText {
			a = parseText(text)
		} else {
			a, err = parseMarkdown(text, func(err error) { onErr(name, err) })
			if err != nil {
				onErr(name, err)
				return nil
			}
		}
	case formatHTML:
		a, err = ParseHTML(data, "")
		if err != nil {
			onErr(name, err)
			return nil
		}
	}
	return e.emit(name, a)
}

// unsupportedError tells which types are supported, so the person who
// uploaded a .pdf knows what to send instead.
func unsupportedError(name string) error {
	return corpus.Invalidf(corpus.ErrUnsupported, "%s is not a file type newsbot reads (supported: %s)", filepath.Base(name), supportedTypes)
}

// emitter prepares articles and hands them to fn, sending per-record
// problems to onErr.
type emitter struct {
	ctx      context.Context
	fn       func(corpus.Article) error
	onErr    func(string, error)
	maxBytes int64 // one article's input (Reader.MaxBytes)
	raw      bool  // Reader.Raw: hand articles over unprepared
}

// emit prepares a (unless raw) and calls fn with it; it returns only
// ctx's and fn's errors.
func (e emitter) emit(source string, a corpus.Article) error {
	if err := e.ctx.Err(); err != nil {
		return fmt.Errorf("read %s: %w", source, err)
	}
	if e.raw {
		if err := e.fn(a); err != nil {
			return fmt.Errorf("read %s: %w", source, err)
		}
		return nil
	}
	if err := corpus.Prepare(&a); err != nil {
		e.onErr(source, err)
		return nil
	}
	if err := e.fn(a); err != nil {
		return fmt.Errorf("read %s: %w", source, err)
	}
	return nil
}

// invalidf returns an error wrapping corpus.ErrInvalid with a message of
// its own, so messages read "record 17: no body field" rather than
// "...: invalid article".
func invalidf(format string, args ...any) error {
	return corpus.Invalidf(corpus.ErrInvalid, format, args...)
}

// tooLarge is the refusal of input over limit bytes.
func tooLarge(limit int64) error {
	return corpus.Invalidf(corpus.ErrTooLarge, "larger than the %s limit for one article", SizeText(limit))
}

// SizeText writes a byte count the way people read it: "5 MiB", "512 KiB".
func SizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// errTooLarge is returned by limitReader.
var errTooLarge = errors.New("input too large")

// limitReader is io.LimitReader that fails instead of pretending the input
// ended, so a truncated file is never read as a shorter valid one.
type limitReader struct {
	r io.Reader
	n int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// Only an error if there is more to read.
		var one [1]byte
		if n, _ := l.r.Read(one[:]); n > 0 {
			return 0, errTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// readAllLimited reads r whole, failing when it holds more than limit
// bytes.
func readAllLimited(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(&limitReader{r: r, n: limit})
	if errors.Is(err, errTooLarge) {
		return nil, tooLarge(limit)
	}
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	return data, nil
}

// decodeText turns file bytes into a string: UTF-8 (with or without a byte
// order mark), UTF-16 with a byte order mark, or else Windows-1252, the
// usual encoding of old plain-text news files that are not UTF-8. Binary
// data is refused (corpus.CheckText) before it is decoded, as any bytes
// decode as Windows-1252 and would be stored as mojibake.
func decodeText(data []byte) (string, error) {
	if err := corpus.CheckText(data); err != nil {
		return "", err
	}
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		dec := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder()
		out, err := dec.Bytes(data)
		if err != nil {
			return "", corpus.Invalidf(corpus.ErrNotText, "it starts like UTF-16 text but does not decode as UTF-16")
		}
		if err := corpus.CheckText(out); err != nil {
			return "", err
		}
		return string(out), nil
	}
	if utf8.Valid(data) {
		return string(data), nil
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(data)
	if err != nil {
		return strings.ToValidUTF8(string(data), "\uFFFD"), nil
	}
	return string(out), nil
}

// parseText reads a txt file: the first non-empty line is the title and the
// rest the body. A file with nothing after its first line, or whose first
// line is too long to be a headline, is all body (Prepare derives a title).
func parseText(text string) corpus.Article {
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		t := strings.TrimSpace(line)
		if t == "" {
			continue
		}
		body := strings.Join(lines[i+1:], "\n")
		if strings.TrimSpace(body) == "" || utf8.RuneCountInString(t) > maxTitleLineRunes {
			return corpus.Article{Body: text}
		}
		return corpus.Article{Title: t, Body: body}
	}
	return corpus.Article{}
}

// isProjectDoc reports whether a file in a directory is the documentation
// of a data set rather than an article: a folder of news downloaded with
// its README.md must not add the README to the corpus. Named explicitly,
// such a file is still read.
func isProjectDoc(name string) bool {
	base := strings.ToUpper(strings.TrimSuffix(name, filepath.Ext(name)))
	switch base {
	case "README", "SOURCES", "LICENSE", "LICENCE", "CHANGELOG", "CONTRIBUTING", "NOTICE", "AUTHORS":
		return true
	}
	return false
}

// truncate cuts s to at most n bytes at a rune boundary, for quoting input
// in error messages.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
