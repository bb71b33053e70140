package parse

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

// collected is what a reader produced: the articles and the reported
// problems as "source: error".
type collected struct {
	articles []corpus.Article
	problems []string
}

func (c *collected) fn(a corpus.Article) error { c.articles = append(c.articles, a); return nil }
func (c *collected) onErr(source string, err error) {
	c.problems = append(c.problems, source+": "+err.Error())
}
func (c *collected) titles() []string {
	var ts []string
	for _, a := range c.articles {
		ts = append(ts, a.Title)
	}
	return ts
}

func readPath(t *testing.T, path string) *collected {
	t.Helper()
	var c collected
	if err := (Reader{}).ReadPath(context.Background(), path, c.fn, c.onErr); err != nil {
		t.Fatalf("ReadPath(%q) = %v; want nil", path, err)
	}
	return &c
}

// checkProblems asserts that each problem starts with the wanted source and
// contains the wanted text, in order.
func checkProblems(t *testing.T, name string, got []string, want [][2]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s problems = %q; want %d like %q", name, got, len(want), want)
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w[0]+": ") || !strings.Contains(got[i], w[1]) {
			t.Errorf("%s problem %d = %q; want source %q and %q", name, i, got[i], w[0], w[1])
		}
	}
}

func TestReadPathFiles(t *testing.T) {
	tests := []struct {
		path     string
		titles   []string
		problems [][2]string // source, text
	}{
		{"testdata/seed.txt", []string{"Pakistan Dismisses Recognition Of Taliban As ‘Speculation’"}, nil},
		{"testdata/article.md", []string{"Grain exports rise for a third month"}, nil},
		{"testdata/notitle.md", []string{"Council approves budget"}, nil},
		{"testdata/article.html", []string{"Port strike ends after three weeks"}, nil},
		{
			"testdata/corpus.json",
			[]string{"200+ of the best deals from Amazon's Cyber Monday sale", "The FTX trial is bigger than Sam Bankman-Fried", "Authors as a list"},
			[][2]string{{"testdata/corpus.json:3", "record 3: no body/text/content field"}},
		},
		{
			"testdata/articles.jsonl",
			[]string{"COCOA REVIEW", "Unix time", "Bad date"},
			[][2]string{
				{"testdata/articles.jsonl:4", "record 4: bad JSON"},
				{"testdata/articles.jsonl:5", "record 5: no body/text/content field"},
				{"testdata/articles.jsonl:6", "record 6: not a JSON object"},
				{"testdata/articles.jsonl:7", `record 7: field date: parse date "sometime soon"`},
				{"testdata/articles.jsonl:8", `"ftp://example.com/file" is not a usable link: not an http or https URL`},
			},
		},
		{"testdata/broken.json", []string{"ok"}, [][2]string{{"testdata/broken.json:2", "record 2: bad JSON: invalid character"}}},
		{"testdata/empty.txt", nil, [][2]string{{"testdata/empty.txt", "article has no text"}}},
		{"testdata/notes.pdf", nil, [][2]string{{"testdata/notes.pdf", "is not a file type newsbot reads (supported: .txt, .md"}}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			c := readPath(t, tt.path)
			if got := c.titles(); !reflect.DeepEqual(got, tt.titles) {
				t.Errorf("ReadPath(%q) titles = %q; want %q", tt.path, got, tt.titles)
			}
			checkProblems(t, "ReadPath("+tt.path+")", c.problems, tt.problems)
			for _, a := range c.articles {
				again := a
				again.Passages = append([]corpus.Passage(nil), a.Passages...)
				if err := corpus.Prepare(&again); err != nil || !reflect.DeepEqual(again, a) {
					t.Errorf("ReadPath(%q) article %q is not prepared: corpus.Prepare gives %+v, %v", tt.path, a.Title, again, err)
				}
			}
		})
	}
}

func TestReadFields(t *testing.T) {
	date := func(s string) time.Time { d, _ := ParseDate(s); return d }
	tests := []struct {
		path string
		want corpus.Article // compared on URL, Title, Source, Author, PublishedAt
	}{
		{"testdata/article.md", corpus.Article{URL: "https://news.example.com/markets/grain-exports", Title: "Grain exports rise for a third month", Source: "Farm Wire", Author: "Ana Lima", PublishedAt: date("2024-06-14")}},
		{"testdata/article.html", corpus.Article{URL: "https://www.harbourtimes.example/news/port-strike-ends?id=7", Title: "Port strike ends after three weeks", Source: "The Harbour Times", Author: "Jane Doe", PublishedAt: date("2024-03-05T08:30:00Z")}},
		{"testdata/corpus.json", corpus.Article{URL: "https://mashable.com/article/cyber-monday-deals-amazon-2023", Title: "200+ of the best deals from Amazon's Cyber Monday sale", Source: "Mashable", PublishedAt: date("2023-11-27T08:45:59Z")}},
		{"testdata/articles.jsonl", corpus.Article{Title: "COCOA REVIEW", PublishedAt: date("1987-02-26T15:01:01Z")}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			c := readPath(t, tt.path)
			if len(c.articles) == 0 {
				t.Fatalf("ReadPath(%q) read no article; problems %q", tt.path, c.problems)
			}
			a := c.articles[0]
			got := corpus.Article{URL: a.URL, Title: a.Title, Source: a.Source, Author: a.Author, PublishedAt: a.PublishedAt}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ReadPath(%q) first article = %+v; want %+v", tt.path, got, tt.want)
			}
		})
	}
	c := readPath(t, "testdata/corpus.json")
	if a := c.articles[2]; a.Author != "Ann One, Bob Two" || a.Source != "Daily Example" || a.URL != "https://example.com/y" || !a.PublishedAt.Equal(date("2023-10-10T14:00:00Z")) {
		t.Errorf("corpus.json record 4 = %+v; want authors list, publisher object, link and pubDate read", a)
	}
}

func TestReadMarkdownBody(t *testing.T) {
	c := readPath(t, "testdata/article.md")
	want := "Grain exports rose for a third straight month in May, according to figures from the ministry, helped by a weak currency and strong demand from Asia.\n\nOutlook\n\nTraders expect shipments to slow in the second half as the new harvest arrives, said analyst Ben Ortiz of Harvest Capital."
	if got := c.articles[0].Body; got != want {
		t.Errorf("article.md body = %q; want %q", got, want)
	}
}

func TestReadHTMLBody(t *testing.T) {
	c := readPath(t, "testdata/article.html")
	body := c.articles[0].Body
	for _, junk := range []string{"Subscribe now", "Most read", "Celebrity chef", "Copyright", "Cookie", "Home", "By Jane Doe", "Port strike ends after three weeks"} {
		if strings.Contains(body, junk) {
			t.Errorf("article.html body contains %q:\n%s", junk, body)
		}
	}
	for _, text := range []string{"Dock workers at the city's main container port", "Mr. Reyes said members had lost about 2,000 euros"} {
		if !strings.Contains(body, text) {
			t.Errorf("article.html body lacks %q:\n%s", text, body)
		}
	}
	if n := len(strings.Split(body, "\n\n")); n != 4 {
		t.Errorf("article.html body has %d paragraphs; want 4:\n%s", n, body)
	}
}

func TestParseHTML(t *testing.T) {
	para := "<p>" + strings.Repeat("The council voted on the new budget after a long debate about schools and roads. ", 4) + "</p>"
	page := func(head string) string {
		return "<html><head><title>Budget passes | City Paper</title>" + head + "</head><body><article><h1>Budget passes</h1>" + para + para + "</article></body></html>"
	}
	tests := []struct {
		name, html, pageURL string
		wantURL, wantSource string
		wantDate            string
	}{
		{
			name:     "JSON-LD date and publisher",
			html:     page(`<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebSite","name":"Site"},{"@type":"NewsArticle","datePublished":"2024-01-02T03:04:05Z","publisher":{"@type":"Organization","name":"City Paper"}}]}</script>`),
			wantDate: "2024-01-02T03:04:05Z", wantSource: "City Paper",
		},
		{
			name:     "time element",
			html:     strings.Replace(page(""), "<h1>", `<time datetime="2024-02-03">Feb 3</time><h1>`, 1),
			wantDate: "2024-02-03",
		},
		{
			name:    "canonical on the page's host",
			html:    page(`<link rel="canonical" href="/news/budget?utm_source=tw">`),
			pageURL: "https://www.citypaper.example/news/budget?utm_campaign=x&fbclid=1",
			wantURL: "https://www.citypaper.example/news/budget", wantSource: "citypaper.example",
		},
		{
			name:    "canonical elsewhere is ignored",
			html:    page(`<link rel="canonical" href="https://other.example/stolen"><meta property="og:site_name" content="City Paper">`),
			pageURL: "https://citypaper.example/a",
			wantURL: "https://citypaper.example/a", wantSource: "City Paper",
		},
		{
			name:    "og:url without page URL",
			html:    page(`<meta property="og:url" content="https://citypaper.example/b/">`),
			wantURL: "https://citypaper.example/b", wantSource: "citypaper.example",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseHTML([]byte(tt.html), tt.pageURL)
			if err != nil {
				t.Fatalf("ParseHTML(%s) = %v", tt.name, err)
			}
			var wantDate time.Time
			if tt.wantDate != "" {
				wantDate, _ = ParseDate(tt.wantDate)
			}
			if a.URL != tt.wantURL || a.Source != tt.wantSource || !a.PublishedAt.Equal(wantDate) || a.Title != "Budget passes" {
				t.Errorf("ParseHTML(%s) = URL %q, Source %q, PublishedAt %v, Title %q; want %q, %q, %v, %q",
					tt.name, a.URL, a.Source, a.PublishedAt, a.Title, tt.wantURL, tt.wantSource, wantDate, "Budget passes")
			}
		})
	}
}

func TestParseHTMLInvalid(t *testing.T) {
	tests := []struct{ name, html, pageURL string }{
		{"empty", "", ""},
		{"no text", "<html><head><title>Nothing</title></head><body><nav><a href='/'>Home</a></nav></body></html>", ""},
		{"relative page URL", "<p>Some text here.</p>", "/relative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseHTML([]byte(tt.html), tt.pageURL)
			if !errors.Is(err, corpus.ErrInvalid) {
				t.Errorf("ParseHTML(%q) = %+v, %v; want an corpus.ErrInvalid", tt.html, a, err)
			}
		})
	}
}

func TestReadPathDirectory(t *testing.T) {
	c := readPath(t, "testdata/tree")
	if got, want := c.titles(), []string{"Nested story", "Tree top story"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ReadPath(tree) titles = %q; want %q (sorted, hidden and unsupported files skipped)", got, want)
	}
	checkProblems(t, "ReadPath(tree)", c.problems, [][2]string{{filepath.Join("testdata", "tree", "sub", "empty.txt"), "article has no text"}})
}

func TestReadPathMissing(t *testing.T) {
	var c collected
	err := (Reader{}).ReadPath(context.Background(), "testdata/does-not-exist.txt", c.fn, c.onErr)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadPath(missing) = %v; want an error wrapping os.ErrNotExist", err)
	}
}

func TestReadUnsupported(t *testing.T) {
	for _, name := range []string{"report.pdf", "noext", "x.gz", "archive.tar.gz"} {
		var c collected
		err := (Reader{}).Read(context.Background(), name, strings.NewReader("data"), c.fn, c.onErr)
		if !errors.Is(err, corpus.ErrInvalid) || !strings.Contains(err.Error(), ".jsonl") || !strings.Contains(err.Error(), name) {
			t.Errorf("Read(%q) = %v; want an corpus.ErrInvalid naming the file and the supported types", name, err)
		}
		if IsSupported(name) {
			t.Errorf("IsSupported(%q) = true; want false", name)
		}
	}
	for _, name := range []string{"a.txt", "A.MD", "b.markdown", "c.htm", "d.html", "e.json", "f.jsonl", "g.ndjson", "h.jsonl.gz", "i.txt.gz"} {
		if !IsSupported(name) {
			t.Errorf("IsSupported(%q) = false; want true", name)
		}
	}
}

func gzipBytes(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadGzip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{"articles.jsonl", "corpus.json", "seed.txt", "article.md", "article.html"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".gz"), gzipBytes(t, data), 0o644); err != nil {
			t.Fatal(err)
		}
		plain, zipped := readPath(t, filepath.Join("testdata", name)), readPath(t, filepath.Join(dir, name+".gz"))
		if !reflect.DeepEqual(plain.articles, zipped.articles) || len(plain.problems) != len(zipped.problems) {
			t.Errorf("ReadPath(%s.gz) = %d articles, %q; want the same as %s: %d articles, %q",
				name, len(zipped.articles), zipped.problems, name, len(plain.articles), plain.problems)
		}
	}
	var c collected
	if err := (Reader{}).Read(context.Background(), "bad.jsonl.gz", strings.NewReader("not gzip"), c.fn, c.onErr); err != nil {
		t.Fatalf("Read(bad.jsonl.gz) = %v; want nil and a problem", err)
	}
	checkProblems(t, "Read(bad.jsonl.gz)", c.problems, [][2]string{{"bad.jsonl.gz", "gunzip"}})
}

func TestReadJSONLLongLine(t *testing.T) {
	rd := Reader{MaxBytes: 1 << 10}
	long := `{"title": "Too long", "body": "` + strings.Repeat("x ", 600) + `"}`
	in := `{"title": "Before", "body": "First."}` + "\n" + long + "\n" + `{"title": "After", "body": "Last."}`
	var c collected
	if err := rd.Read(context.Background(), "big.jsonl", strings.NewReader(in), c.fn, c.onErr); err != nil {
		t.Fatal(err)
	}
	if got, want := c.titles(), []string{"Before", "After"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Read(big.jsonl) titles = %q; want %q", got, want)
	}
	checkProblems(t, "Read(big.jsonl)", c.problems, [][2]string{{"big.jsonl:2", "record 2: too large: larger than the 1 KiB limit for one article"}})
}

func TestReadAllLimited(t *testing.T) {
	if got, err := readAllLimited(strings.NewReader("abc"), 3); err != nil || string(got) != "abc" {
		t.Errorf("readAllLimited(abc, 3) = %q, %v; want abc, nil", got, err)
	}
	if _, err := readAllLimited(strings.NewReader("abcd"), 3); !errors.Is(err, corpus.ErrInvalid) {
		t.Errorf("readAllLimited(abcd, 3) = %v; want a too-large corpus.ErrInvalid", err)
	}
}

func TestReadStops(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := (Reader{}).ReadPath(context.Background(), "testdata/corpus.json", func(corpus.Article) error { n++; return stop }, nil)
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("ReadPath with failing fn = %v after %d articles; want stop after 1", err, n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	n = 0
	err = (Reader{}).ReadPath(ctx, "testdata/tree", func(corpus.Article) error { n++; return nil }, nil)
	if !errors.Is(err, context.Canceled) || n != 0 {
		t.Errorf("ReadPath with cancelled ctx = %v after %d articles; want context.Canceled after 0", err, n)
	}
}

func TestReadEncodings(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"utf-8 bom", append([]byte{0xEF, 0xBB, 0xBF}, "Title\n\nCafé body."...), "Café body."},
		{"windows-1252", []byte("Title\n\nCaf\xe9 \x93quoted\x94 body."), "Café “quoted” body."},
		{"utf-16", []byte{0xFF, 0xFE, 'T', 0, '\n', 0, '\n', 0, 'B', 0, 'o', 0, 'd', 0, 'y', 0}, "Body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c collected
			if err := (Reader{}).Read(context.Background(), "x.txt", bytes.NewReader(tt.data), c.fn, c.onErr); err != nil || len(c.articles) != 1 {
				t.Fatalf("Read(%q) = %v, %d articles, %q", tt.data, err, len(c.articles), c.problems)
			}
			if got := c.articles[0].Body; got != tt.want {
				t.Errorf("Read(%q) body = %q; want %q", tt.data, got, tt.want)
			}
		})
	}
}

func sharedData(t *testing.T, rel string) string {
	t.Helper()
	p := filepath.Join("..", "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("../shared/data absent: %s not found (%v)", p, err)
	}
	return p
}

// TestReutersCorpus reads the whole Reuters-21578 file as is: every one of
// its 19,043 records must become an article.
func TestReutersCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 19,043 articles; skipped in -short mode")
	}
	p := sharedData(t, "reuters-21578/reuters21578.jsonl.gz")
	n, dated, passages := 0, 0, 0
	var problems []string
	err := (Reader{}).ReadPath(context.Background(), p, func(a corpus.Article) error {
		n++
		if !a.PublishedAt.IsZero() {
			dated++
		}
		passages += len(a.Passages)
		return nil
	}, func(source string, err error) {
		if len(problems) < 10 {
			problems = append(problems, fmt.Sprintf("%s: %v", source, err))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	const want = 19043
	if n != want || dated != want || len(problems) > 0 {
		t.Errorf("ReadPath(reuters) = %d articles (%d dated), problems %q; want %d, all dated, none", n, dated, problems, want)
	}
	t.Logf("%d articles, %d passages", n, passages)
}

// FuzzRead feeds every reader arbitrary bytes. kind picks the file name;
// for the .gz names, kind < 128 gzips the bytes first (the reader behind
// gunzip sees the fuzzed content) and kind >= 128 passes them raw (a corrupt
// or truncated gzip stream).
func FuzzRead(f *testing.F) {
	names := []string{"f.txt", "f.md", "f.html", "f.json", "f.jsonl", "f.txt.gz", "f.md.gz", "f.html.gz", "f.json.gz", "f.jsonl.gz"}
	for _, name := range []string{"seed.txt", "article.md", "article.html", "corpus.json", "articles.jsonl", "broken.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		for i, n := range names {
			if filepath.Ext(strings.TrimSuffix(n, ".gz")) == filepath.Ext(name) {
				f.Add(uint8(i), data)
			}
		}
	}
	f.Add(uint8(3), []byte(`{"body": "x", "date": 1e400, "author": [null, 1, {"name": 2}]}`))
	f.Add(uint8(1), []byte("---\ntitle: x\n"))
	f.Add(uint8(1), []byte("---\nauthor: [a, {name: b}]\ndate: &d 2024-01-02\nx: *d\n---\n1. a\n   - b\n\n| x | y |\n|---|---|\n| `1` | ![i](j) |\n<div>\n\n[r]: /u\n> [t][r] &amp; \\* <br>"))
	f.Add(uint8(2), []byte("<p>"))
	f.Add(uint8(9), []byte(`{"title": "t", "body": "gzipped line"}`))
	f.Add(uint8(128+5), []byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"))
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		name := names[int(kind&0x7f)%len(names)]
		if strings.HasSuffix(name, ".gz") && kind < 128 {
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			zw.Write(data)
			zw.Close()
			data = buf.Bytes()
		}
		err := (Reader{}).Read(context.Background(), name, bytes.NewReader(data), func(a corpus.Article) error {
			if a.Body == "" || a.Title == "" || a.Scope != corpus.GlobalScope || len(a.Passages) == 0 || a.Hash != corpus.ContentHash(a.Body) {
				t.Fatalf("Read(%s) gave an unprepared article %+v", name, a)
			}
			again := a
			again.Passages = append([]corpus.Passage(nil), a.Passages...)
			if err := corpus.Prepare(&again); err != nil || !reflect.DeepEqual(again, a) {
				t.Fatalf("corpus.Prepare(%+v) = %+v, %v; want it unchanged (idempotent)", a, again, err)
			}
			return nil
		}, func(string, error) {})
		if err != nil && !errors.Is(err, io.EOF) {
			t.Fatalf("Read(%s) = %v; want nil", name, err)
		}
	})
}
