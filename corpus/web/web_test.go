package web

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/newsbot/newsbot/corpus"
)

// testAllow allows exactly the address httptest servers listen on.
var testAllow = []string{"127.0.0.1"}

// mustNew returns a Fetcher without the per-host delay (tests that want
// it set it), failing the test on error.
func mustNew(tb testing.TB, opt Options) *Fetcher {
	tb.Helper()
	if opt.PerHostDelay == 0 {
		opt.PerHostDelay = -1
	}
	f, err := New(opt)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return f
}

// newServer starts a loopback test server; nil handler serves 200 "ok".
func newServer(tb testing.TB, h http.Handler) *httptest.Server {
	tb.Helper()
	if h == nil {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	}
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv
}

// fakeResolver answers from a table; a host with several answers gives
// them in turn (the last one repeats), as a rebinding DNS server would.
type fakeResolver struct {
	mu      sync.Mutex
	answers map[string][][]string
	calls   map[string]int
}

func newFakeResolver(answers map[string][][]string) *fakeResolver {
	return &fakeResolver{answers: answers, calls: make(map[string]int)}
}

func (r *fakeResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	host = strings.TrimSuffix(strings.ToLower(host), ".") // as DNS does
	seq, ok := r.answers[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	i := r.calls[host]
	r.calls[host]++
	if i >= len(seq) {
		i = len(seq) - 1
	}
	var out []net.IPAddr
	for _, s := range seq[i] {
		out = append(out, net.IPAddr{IP: net.ParseIP(s)})
	}
	return out, nil
}

// dialLog records what the guard dials, then dials for real (or through
// redirect when set).
type dialLog struct {
	mu    sync.Mutex
	addrs []string
}

func (d *dialLog) list() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.addrs...)
}

// recordDials wraps f's dialler; redirect, when not empty, is where every
// connection really goes (standing in for a public host in tests).
func recordDials(f *Fetcher, redirect string) *dialLog {
	d := &dialLog{}
	orig := f.guard.dial
	f.guard.dial = func(ctx context.Context, network, address string, checked bool) (net.Conn, error) {
		d.mu.Lock()
		d.addrs = append(d.addrs, address)
		d.mu.Unlock()
		if redirect != "" {
			var nd net.Dialer
			return nd.DialContext(ctx, network, redirect)
		}
		return orig(ctx, network, address, checked)
	}
	return d
}

const articlePage = `<!DOCTYPE html>
<html><head>
<meta charset="utf-8">
<title>Harbour reopens after storm | The Harbour Times</title>
%s
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article>
<h1>Harbour reopens after storm</h1>
<p class="byline">By Jane Doe</p>
%s
<p>The city's harbour reopened on Tuesday after a storm closed it for three days, the port authority said in a statement.</p>
<p>More than twenty ships had waited offshore while crews cleared debris from the main channel and repaired two damaged cranes.</p>
<p>Officials said normal traffic would resume by the end of the week, though some berths would stay closed for repairs.</p>
</article>
<footer>Copyright The Harbour Times</footer>
</body></html>`

func TestArticleHTML(t *testing.T) {
	tests := []struct {
		name       string
		head, body string
		path       string // requested; /old/... redirects to /new/...
		wantURL    string // relative to the server root
		wantSource string
		wantDate   string
		wantAuthor string
	}{
		{
			name: "meta tags and relative canonical after redirect",
			head: `<meta property="og:site_name" content="The Harbour Times">
<meta property="article:published_time" content="2024-03-05T09:30:00+01:00">
<meta name="author" content="Jane Doe">
<link rel="canonical" href="../news/harbour-reopens?utm_source=rss">`,
			path:       "/old/story",
			wantURL:    "/news/harbour-reopens",
			wantSource: "The Harbour Times",
			wantDate:   "2024-03-05T08:30:00Z",
			wantAuthor: "Jane Doe",
		},
		{
			name: "json-ld",
			head: `<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",
"headline":"Harbour reopens after storm","datePublished":"2024-03-06T10:00:00Z",
"author":{"@type":"Person","name":"Jane Doe"},"publisher":{"@type":"Organization","name":"Harbour Daily"}}</script>`,
			path:       "/new/ld",
			wantURL:    "/new/ld",
			wantSource: "Harbour Daily",
			wantDate:   "2024-03-06T10:00:00Z",
			wantAuthor: "Jane Doe",
		},
		{
			name:       "time element, no outlet: host without www",
			body:       `<p><time datetime="2024-03-07T12:00:00Z">7 March</time></p>`,
			path:       "/old/plain",
			wantURL:    "/new/plain",
			wantSource: "news.example",
			wantDate:   "2024-03-07T12:00:00Z",
			wantAuthor: "Jane Doe",
		},
	}
	pages := make(map[string]string)
	for _, tt := range tests {
		pages[strings.Replace(tt.path, "/old/", "/new/", 1)] = fmt.Sprintf(articlePage, tt.head, tt.body)
	}
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rest, ok := strings.CutPrefix(r.URL.Path, "/old/"); ok {
			http.Redirect(w, r, "/new/"+rest, http.StatusMovedPermanently)
			return
		}
		page, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	}))
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	root := "http://www.news.example:" + port
	// The name resolves to the test server; the allow list names only its
	// address, matched on the address dialled.
	res := newFakeResolver(map[string][][]string{"www.news.example": {{"127.0.0.1"}}})
	f := mustNew(t, Options{Allow: testAllow, Resolver: res})

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := f.Article(context.Background(), root+tt.path)
			if err != nil {
				t.Fatalf("Article(%s): %v", tt.path, err)
			}
			if want := root + tt.wantURL; a.URL != want {
				t.Errorf("URL = %q; want %q", a.URL, want)
			}
			if a.Title != "Harbour reopens after storm" {
				t.Errorf("Title = %q; want %q", a.Title, "Harbour reopens after storm")
			}
			if a.Author != tt.wantAuthor {
				t.Errorf("Author = %q; want %q", a.Author, tt.wantAuthor)
			}
			if a.Source != tt.wantSource {
				t.Errorf("Source = %q; want %q", a.Source, tt.wantSource)
			}
			if got := a.PublishedAt.UTC().Format(time.RFC3339); got != tt.wantDate {
				t.Errorf("PublishedAt = %s; want %s", got, tt.wantDate)
			}
			if !strings.Contains(a.Body, "cleared debris from the main channel") {
				t.Errorf("Body lacks the story text: %q", a.Body)
			}
			if strings.Contains(a.Body, "Copyright") || strings.Contains(a.Body, "Home World") {
				t.Errorf("Body kept page clutter: %q", a.Body)
			}
			if len(a.Passages) == 0 || a.Hash == "" {
				t.Errorf("article not prepared: %d passages, hash %q", len(a.Passages), a.Hash)
			}
		})
	}
}

func TestArticleText(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=iso-8859-1")
		w.Write([]byte("Caf\xe9 owners protest new rules\n\nOwners of caf\xe9s across the city closed early on Friday to protest new licensing rules.\n"))
	}))
	f := mustNew(t, Options{Allow: testAllow})
	a, err := f.Article(context.Background(), srv.URL+"/story.txt")
	if err != nil {
		t.Fatalf("Article: %v", err)
	}
	if a.Title != "Café owners protest new rules" {
		t.Errorf("Title = %q; want %q", a.Title, "Café owners protest new rules")
	}
	if !strings.HasPrefix(a.Body, "Owners of cafés across the city") {
		t.Errorf("Body = %q", a.Body)
	}
	if a.URL != srv.URL+"/story.txt" || a.Source != "127.0.0.1" {
		t.Errorf("URL, Source = %q, %q; want %q, %q", a.URL, a.Source, srv.URL+"/story.txt", "127.0.0.1")
	}
}

// cp1252Page is a Windows-1252 page: é (0xE9), ï (0xEF) and curly quotes
// (0x93, 0x94), which ISO-8859-1 labels mean too (WHATWG maps that label
// to Windows-1252).
const cp1252Text = "Le caf\xe9 du port, \x93na\xefve\x94 mais c\xe9l\xe8bre, rouvre ses portes apr\xe8s trois mois de travaux dans le quartier."

func TestCharset(t *testing.T) {
	const want = "Le café du port, “naïve” mais célèbre, rouvre ses portes après trois mois de travaux dans le quartier."
	page := func(meta, text string) string {
		title := "Caf\xe9" // windows-1252
		if utf8.ValidString(text) {
			title = "Café"
		}
		return "<html><head>" + meta + "<title>" + title + "</title></head><body><article><p>" + text +
			"</p><p>" + text + " Encore.</p></article></body></html>"
	}
	// A UTF-8 page whose first kilobyte is ASCII and that names no
	// charset: the sniffer's window sees no high bytes.
	longHead := "<html><head><title>Cafe</title><!--" + strings.Repeat("x", 1500) + "--></head><body><article><p>" +
		want + "</p></article></body></html>"
	tests := []struct {
		name, contentType, body, wantCharset string
	}{
		{"header windows-1252", "text/html; charset=windows-1252", page("", cp1252Text), "windows-1252"},
		{"header iso-8859-1", "text/html; charset=ISO-8859-1", page("", cp1252Text), "windows-1252"},
		{"header and meta", "text/html; charset=iso-8859-1", page(`<meta charset="iso-8859-1">`, cp1252Text), "windows-1252"},
		{"meta charset only", "text/html", page(`<meta charset="windows-1252">`, cp1252Text), "windows-1252"},
		{"meta http-equiv only", "text/html", page(`<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">`, cp1252Text), "windows-1252"},
		{"no charset anywhere", "text/html", page("", cp1252Text), "windows-1252"},
		{"utf-8 header", "text/html; charset=utf-8", page("", want), "utf-8"},
		{"utf-8 labelled windows-1252 by meta", "text/html", page(`<meta charset="windows-1252">`, want), "utf-8"},
		{"utf-8 no label, ascii first kilobyte", "text/html", longHead, "utf-8"},
		{"utf-8 with bom", "text/html", "\xef\xbb\xbf" + page("", want), "utf-8"},
	}
	bodies := make(map[string]int)
	for i := range tests {
		bodies["/"+strconv.Itoa(i)] = i
	}
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tt := tests[bodies[r.URL.Path]]
		w.Header().Set("Content-Type", tt.contentType)
		fmt.Fprint(w, tt.body)
	}))
	f := mustNew(t, Options{Allow: testAllow})
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := srv.URL + "/" + strconv.Itoa(i)
			resp, err := f.Fetch(context.Background(), Request{URL: u})
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if resp.Charset != tt.wantCharset {
				t.Errorf("Charset = %q; want %q", resp.Charset, tt.wantCharset)
			}
			if !strings.Contains(string(resp.Body), want) {
				t.Errorf("Fetch body does not contain %q:\n%s", want, resp.Body)
			}
			a, err := f.Article(context.Background(), u)
			if err != nil {
				t.Fatalf("Article: %v", err)
			}
			if !strings.Contains(a.Body, want) {
				t.Errorf("Article body = %q; want it to contain %q", a.Body, want)
			}
		})
	}
}

func TestSizeLimit(t *testing.T) {
	const limit = 1000
	big := strings.Repeat("a", 2*limit)
	exact := strings.Repeat("b", limit)
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		switch r.URL.Path {
		case "/length":
			w.Header().Set("Content-Length", strconv.Itoa(len(big)))
			fmt.Fprint(w, big)
		case "/chunked":
			// Flushing before the end makes the response chunked: no
			// Content-Length to refuse early.
			fmt.Fprint(w, big[:10])
			w.(http.Flusher).Flush()
			fmt.Fprint(w, big[10:])
		case "/exact":
			w.(http.Flusher).Flush()
			fmt.Fprint(w, exact)
		}
	}))
	f := mustNew(t, Options{Allow: testAllow, MaxBytes: limit})
	tests := []struct {
		path    string
		tooBig  bool
		wantErr string
	}{
		{"/length", true, "too large: the page is larger than the 1000 bytes limit for one article"},
		{"/chunked", true, "too large: the page is larger than the 1000 bytes limit for one article"},
		{"/exact", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := f.Fetch(context.Background(), Request{URL: srv.URL + tt.path})
			if !tt.tooBig {
				if err != nil || len(resp.Body) != limit {
					t.Fatalf("Fetch(%s) = %v; want %d bytes", tt.path, err, limit)
				}
				return
			}
			if !errors.Is(err, ErrTooLarge) || !strings.HasSuffix(err.Error(), tt.wantErr) {
				t.Fatalf("Fetch(%s) error = %v; want ErrTooLarge ending %q", tt.path, err, tt.wantErr)
			}
		})
	}
}

func TestContentTypes(t *testing.T) {
	const png = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
	const feed = `<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><title>Caf` + "\xe9" + `</title></channel></rss>`
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/image":
			w.Header().Set("Content-Type", "image/png")
			fmt.Fprint(w, png)
		case "/pdf":
			w.Header().Set("Content-Type", "application/pdf")
			fmt.Fprint(w, "%PDF-1.4")
		case "/sniffed-png":
			w.Header()["Content-Type"] = nil // no header: the fetcher sniffs
			fmt.Fprint(w, png)
		case "/sniffed-html":
			w.Header()["Content-Type"] = nil
			fmt.Fprint(w, "<!DOCTYPE html><html><body><p>Hello</p></body></html>")
		case "/feed":
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprint(w, feed)
		case "/json":
			w.Header().Set("Content-Type", "application/feed+json; charset=utf-8")
			fmt.Fprint(w, `{"version":"https://jsonfeed.org/version/1.1","items":[]}`)
		}
	}))
	f := mustNew(t, Options{Allow: testAllow})
	tests := []struct {
		path, wantType, wantErr string
	}{
		{"/image", "", "unsupported: content type image/png is not a page newsbot reads"},
		{"/pdf", "", "unsupported: content type application/pdf is not a page newsbot reads"},
		{"/sniffed-png", "", "unsupported: content type image/png (sniffed) is not a page newsbot reads"},
		{"/sniffed-html", "text/html", ""},
		{"/feed", "application/rss+xml", ""},
		{"/json", "application/feed+json", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := f.Fetch(context.Background(), Request{URL: srv.URL + tt.path})
			if tt.wantErr != "" {
				if !errors.Is(err, ErrUnsupportedType) || !strings.HasSuffix(err.Error(), tt.wantErr) {
					t.Fatalf("Fetch(%s) error = %v; want ErrUnsupportedType ending %q", tt.path, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Fetch(%s): %v", tt.path, err)
			}
			if resp.ContentType != tt.wantType {
				t.Errorf("ContentType = %q; want %q", resp.ContentType, tt.wantType)
			}
		})
	}

	t.Run("feed bytes kept raw", func(t *testing.T) {
		resp, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/feed"})
		if err != nil {
			t.Fatal(err)
		}
		if string(resp.Body) != feed || !resp.IsFeed() {
			t.Errorf("feed body = %q (IsFeed %v); want the bytes as sent", resp.Body, resp.IsFeed())
		}
	})
	t.Run("article refuses a feed", func(t *testing.T) {
		_, err := f.Article(context.Background(), srv.URL+"/feed")
		if !errors.Is(err, ErrUnsupportedType) {
			t.Fatalf("Article(feed) error = %v; want ErrUnsupportedType", err)
		}
	})
	t.Run("article refuses an image", func(t *testing.T) {
		_, err := f.Article(context.Background(), srv.URL+"/image")
		if !errors.Is(err, ErrUnsupportedType) || !strings.Contains(err.Error(), "image/png") {
			t.Fatalf("Article(image) error = %v; want ErrUnsupportedType naming image/png", err)
		}
	})
}

func TestConditionalGET(t *testing.T) {
	const etag, modified = `"v1"`, "Tue, 05 Mar 2024 08:30:00 GMT"
	var gotUA string
	var mu sync.Mutex
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		gotUA = r.Header.Get("User-Agent")
		mu.Unlock()
		if r.Header.Get("If-None-Match") == etag || r.Header.Get("If-Modified-Since") == modified {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", modified)
		fmt.Fprint(w, `<feed xmlns="http://www.w3.org/2005/Atom"></feed>`)
	}))
	f := mustNew(t, Options{Allow: testAllow})
	first, err := f.Fetch(context.Background(), Request{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if first.NotModified || first.ETag != etag || first.LastModified != modified {
		t.Fatalf("first fetch = NotModified %v, ETag %q, LastModified %q", first.NotModified, first.ETag, first.LastModified)
	}
	mu.Lock()
	if gotUA != DefaultUserAgent {
		t.Errorf("User-Agent = %q; want %q", gotUA, DefaultUserAgent)
	}
	mu.Unlock()
	for _, req := range []Request{
		{URL: srv.URL, ETag: first.ETag},
		{URL: srv.URL, LastModified: first.LastModified},
	} {
		resp, err := f.Fetch(context.Background(), req)
		if err != nil {
			t.Fatalf("Fetch(%+v): %v", req, err)
		}
		if !resp.NotModified || resp.Status != http.StatusNotModified || len(resp.Body) != 0 {
			t.Errorf("Fetch(%+v) = NotModified %v, Status %d, %d bytes; want a 304", req, resp.NotModified, resp.Status, len(resp.Body))
		}
		if resp.ETag != req.ETag || resp.LastModified != req.LastModified {
			t.Errorf("Fetch(%+v) validators = %q, %q; want the request's", req, resp.ETag, resp.LastModified)
		}
	}
}

func TestStatusError(t *testing.T) {
	srv := newServer(t, http.NotFoundHandler())
	f := mustNew(t, Options{Allow: testAllow})
	_, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/y"})
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != 404 {
		t.Fatalf("Fetch = %v; want a *StatusError 404", err)
	}
	if want := "fetch " + srv.URL + "/y: 404 Not Found"; err.Error() != want {
		t.Errorf("error = %q; want %q", err, want)
	}
}

func TestTimeout(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // never answers
	}))
	f := mustNew(t, Options{Allow: testAllow, Timeout: 50 * time.Millisecond})
	_, err := f.Fetch(context.Background(), Request{URL: srv.URL})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("Fetch(hanging server) = %v; want a timeout", err)
	}
}

func TestRedirects(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n, ok := strings.CutPrefix(r.URL.Path, "/chain/"); ok {
			i, _ := strconv.Atoi(n)
			if i < 6 {
				http.Redirect(w, r, "/chain/"+strconv.Itoa(i+1), http.StatusFound)
				return
			}
			fmt.Fprint(w, "end of chain")
			return
		}
		switch r.URL.Path {
		case "/to-private":
			http.Redirect(w, r, "http://10.0.0.1/", http.StatusFound)
		case "/to-metadata":
			http.Redirect(w, r, "http://metadata.internal/latest/meta-data/", http.StatusTemporaryRedirect)
		case "/to-ftp":
			http.Redirect(w, r, "ftp://files.example/x", http.StatusMovedPermanently)
		case "/to-localhost":
			http.Redirect(w, r, "http://[::1]/admin", http.StatusSeeOther)
		case "/relative":
			http.Redirect(w, r, "chain/6#frag", http.StatusPermanentRedirect)
		default:
			http.NotFound(w, r)
		}
	}))
	res := newFakeResolver(map[string][][]string{"metadata.internal": {{"169.254.169.254"}}})
	tests := []struct {
		path      string
		wantFinal string // "" when refused
		wantErr   string
	}{
		{"/chain/1", "/chain/6", ""}, // five redirects
		{"/relative", "/chain/6", ""},
		{"/chain/0", "", "refused: too many redirects (more than 5)"},
		{"/to-private", "", "refused: 10.0.0.1 is a private address"},
		{"/to-metadata", "", "refused: metadata.internal resolves to 169.254.169.254, a link-local address"},
		{"/to-ftp", "", "refused: scheme ftp is not http or https"},
		{"/to-localhost", "", "refused: ::1 is a loopback address"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			f := mustNew(t, Options{Allow: testAllow, Resolver: res})
			dials := recordDials(f, "")
			resp, err := f.Fetch(context.Background(), Request{URL: srv.URL + tt.path})
			for _, a := range dials.list() {
				if !strings.HasPrefix(a, "127.0.0.1:") {
					t.Errorf("dialled %s; want only the test server", a)
				}
			}
			if tt.wantErr != "" {
				var re *RefusedError
				if !errors.As(err, &re) || err.Error() != tt.wantErr || !errors.Is(err, ErrRefused) {
					t.Fatalf("Fetch(%s) error = %v; want %q", tt.path, err, tt.wantErr)
				}
				if re.URL == "" {
					t.Errorf("RefusedError.URL is empty")
				}
				return
			}
			if err != nil {
				t.Fatalf("Fetch(%s): %v", tt.path, err)
			}
			if resp.URL != srv.URL+tt.wantFinal {
				t.Errorf("final URL = %q; want %q", resp.URL, srv.URL+tt.wantFinal)
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	res := newFakeResolver(map[string][][]string{
		"private.example":   {{"192.168.1.10"}},
		"mixed.example":     {{"93.184.216.34", "10.1.1.1"}},
		"localhost":         {{"127.0.0.1", "::1"}},
		"metadata.internal": {{"169.254.169.254"}},
		"v6ula.example":     {{"fd00::1"}},
		"mapped.example":    {{"::ffff:10.0.0.1"}},
	})
	tests := []struct {
		url, want string
	}{
		{"http://127.0.0.2/", "refused: 127.0.0.2 is a loopback address"},
		{"http://127.0.0.1:8080/", "refused: 127.0.0.1 is a loopback address"},
		{"http://10.0.0.1/", "refused: 10.0.0.1 is a private address"},
		{"https://10.0.0.5/admin", "refused: 10.0.0.5 is a private address"},
		{"http://169.254.169.254/latest/meta-data/", "refused: 169.254.169.254 is a link-local address"},
		{"http://[::1]/", "refused: ::1 is a loopback address"},
		{"http://[::ffff:127.0.0.1]/", "refused: ::ffff:127.0.0.1 is a loopback address (IPv4-mapped)"},
		{"http://[fe80::1%25eth0]/", "refused: fe80::1%eth0 is a link-local address"},
		{"http://100.64.0.1/", "refused: 100.64.0.1 is a carrier-grade NAT address"},
		{"http://0.0.0.0/", "refused: 0.0.0.0 is an unspecified address"},
		{"http://[::]/", "refused: :: is an unspecified address"},
		{"http://255.255.255.255/", "refused: 255.255.255.255 is a broadcast address"},
		{"http://224.0.0.1/", "refused: 224.0.0.1 is a multicast address"},
		{"http://[64:ff9b::a00:1]/", "refused: 64:ff9b::a00:1 is a private address (NAT64)"},
		{"ftp://example.com/file", "refused: scheme ftp is not http or https"},
		{"file:///etc/passwd", "refused: scheme file is not http or https"},
		{"gopher://example.com/", "refused: scheme gopher is not http or https"},
		{"example.com/page", "refused: URL has no scheme (want http or https)"},
		{"http:///path", "refused: URL has no host"},
		{"https://user:secret@example.com/", "refused: the URL holds a user name or password"},
		{"http://private.example/", "refused: private.example resolves to 192.168.1.10, a private address"},
		{"http://mixed.example/", "refused: mixed.example resolves to 10.1.1.1, a private address"},
		{"http://localhost/", "refused: localhost resolves to 127.0.0.1, a loopback address"},
		{"http://metadata.internal/", "refused: metadata.internal resolves to 169.254.169.254, a link-local address"},
		{"http://v6ula.example/", "refused: v6ula.example resolves to fd00::1, a unique local (private) address"},
		{"http://mapped.example/", "refused: mapped.example resolves to 10.0.0.1, a private address"},
	}
	f := mustNew(t, Options{Resolver: res}) // nothing allowed
	dials := recordDials(f, "")
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			_, err := f.Fetch(context.Background(), Request{URL: tt.url})
			if !errors.Is(err, ErrRefused) || err.Error() != tt.want {
				t.Fatalf("Fetch(%s) = %v; want %q", tt.url, err, tt.want)
			}
		})
	}
	if got := dials.list(); len(got) != 0 {
		t.Errorf("dialled %q; want nothing", got)
	}
}

func TestAllow(t *testing.T) {
	res := newFakeResolver(map[string][][]string{
		"intranet.example": {{"10.1.2.3"}},
		"other.example":    {{"10.1.2.3"}},
	})
	f := mustNew(t, Options{Allow: []string{"intranet.example", "192.168.0.0/16", "127.0.0.1"}, Resolver: res})
	dials := recordDials(f, "127.0.0.1:1") // nothing listens there: the dial is only recorded
	tests := []struct {
		url, refused string
	}{
		{"http://intranet.example/", ""},
		{"http://INTRANET.example./x", ""},
		{"http://192.168.7.7:8080/", ""},
		{"http://127.0.0.1:9/", ""},
		{"http://127.0.0.2/", "refused: 127.0.0.2 is a loopback address"},
		{"http://sub.intranet.example/", ""}, // not allowed, and unknown to DNS
		{"http://other.example/", "refused: other.example resolves to 10.1.2.3, a private address"},
		{"http://10.1.2.3/", "refused: 10.1.2.3 is a private address"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			_, err := f.Fetch(context.Background(), Request{URL: tt.url})
			if tt.refused == "" {
				if errors.Is(err, ErrRefused) {
					t.Fatalf("Fetch(%s) = %v; want it allowed", tt.url, err)
				}
				return
			}
			if err == nil || err.Error() != tt.refused {
				t.Fatalf("Fetch(%s) = %v; want %q", tt.url, err, tt.refused)
			}
		})
	}
	want := []string{"10.1.2.3:80", "10.1.2.3:80", "192.168.7.7:8080", "127.0.0.1:9"}
	if got := dials.list(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("dialled %q; want %q", got, want)
	}
}

// TestDNSRebinding uses a name that resolves to a public address first and
// to 127.0.0.1 the next time. The fetcher dials the address it checked,
// never the name, so the second answer is checked too and refused; it is
// never dialled.
func TestDNSRebinding(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close") // the next fetch must connect (and resolve) again
		fmt.Fprint(w, "public page")
	}))
	res := newFakeResolver(map[string][][]string{"rebind.example": {{"93.184.216.34"}, {"127.0.0.1"}}})
	f := mustNew(t, Options{Resolver: res})
	// Connections really go to the test server, standing in for the public
	// host at the checked address; the log shows what was asked for.
	dials := recordDials(f, strings.TrimPrefix(srv.URL, "http://"))

	resp, err := f.Fetch(context.Background(), Request{URL: "http://rebind.example/"})
	if err != nil {
		t.Fatalf("first fetch: %v", err)
	}
	if string(resp.Body) != "public page" {
		t.Fatalf("first fetch body = %q", resp.Body)
	}
	_, err = f.Fetch(context.Background(), Request{URL: "http://rebind.example/"})
	if want := "refused: rebind.example resolves to 127.0.0.1, a loopback address"; err == nil || err.Error() != want {
		t.Fatalf("second fetch = %v; want %q", err, want)
	}
	if got := dials.list(); len(got) != 1 || got[0] != "93.184.216.34:80" {
		t.Errorf("dialled %q; want only the checked public address 93.184.216.34:80", got)
	}
	if res.calls["rebind.example"] != 2 {
		t.Errorf("resolved %d times; want once per connection (2)", res.calls["rebind.example"])
	}
}

func TestPerHostConcurrency(t *testing.T) {
	var (
		mu            sync.Mutex
		inFlight, max int
	)
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		if inFlight > max {
			max = inFlight
		}
		mu.Unlock()
		time.Sleep(20 * time.Millisecond) // hold the slot so others pile up
		mu.Lock()
		inFlight--
		mu.Unlock()
		fmt.Fprint(w, "ok")
	}))
	f := mustNew(t, Options{Allow: testAllow, PerHostConcurrency: 2})
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := range 10 {
		wg.Go(func() {
			_, err := f.Fetch(context.Background(), Request{URL: fmt.Sprintf("%s/%d", srv.URL, i)})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if max > 2 {
		t.Errorf("%d requests in flight at once; want at most 2", max)
	}
	t.Logf("at most %d in flight", max)
}

// TestPerHostDelay checks the spacing with a fake clock: three fetches of
// one host issued at the same instant wait 0, d and 2d; another host does
// not wait.
func TestPerHostDelay(t *testing.T) {
	const d = 500 * time.Millisecond
	srv := newServer(t, nil)
	res := newFakeResolver(map[string][][]string{"other.example": {{"127.0.0.1"}}})
	f := mustNew(t, Options{Allow: testAllow, PerHostDelay: d, Resolver: res})
	now := time.Date(2024, 3, 5, 12, 0, 0, 0, time.UTC)
	var sleeps []time.Duration
	f.hosts.now = func() time.Time { return now }
	f.hosts.sleep = func(_ context.Context, d time.Duration) error { sleeps = append(sleeps, d); return nil }

	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	for _, u := range []string{srv.URL, srv.URL, srv.URL, "http://other.example:" + port} {
		if _, err := f.Fetch(context.Background(), Request{URL: u}); err != nil {
			t.Fatalf("Fetch(%s): %v", u, err)
		}
	}
	if want := []time.Duration{d, 2 * d}; fmt.Sprint(sleeps) != fmt.Sprint(want) {
		t.Errorf("waits = %v; want %v", sleeps, want)
	}
}

var _ Resolver = (*fakeResolver)(nil)

// Compile-time check that the corpus type is what Article returns.
var _ func(*Fetcher, context.Context, string) (corpus.Article, error) = (*Fetcher).Article
