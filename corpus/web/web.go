// Package web fetches the URLs newsbot is asked to read (links a moderator
// adds, feed items, the feeds themselves) and extracts articles from them.
//
// Every fetch goes through one Fetcher, which is safe to point at
// untrusted URLs: it speaks only http and https, follows at most
// MaxRedirects redirects and checks each again, and refuses to connect to
// addresses that are not public (loopback, private, link-local such as the
// cloud metadata service, carrier-grade NAT, multicast, reserved, and IPv6
// forms of these), whether a URL names them or a host name resolves to
// them. The check is made on the address actually dialled: the fetcher
// resolves names itself, checks every address, dials the checked address,
// and checks the socket address again in a net.Dialer Control hook, so DNS
// rebinding cannot slip a private address in between. Proxies from the
// environment (HTTP_PROXY...) are ignored on purpose: a proxy would make
// the connection for us and bypass the check.
//
// Responses are bounded in time and size, limited to HTML, plain text and
// feed types, decoded to UTF-8 (HTML and text), and requests to one host
// are spaced out and limited in number.
package web

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html/charset"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/parse"
)

// Defaults for Options fields left zero.
const (
	// DefaultUserAgent names the bot and where to read about it, so a site
	// operator who sees it in a log knows who is asking.
	DefaultUserAgent = "newsbot/1.0 (+https://github.com/newsbot/newsbot)"
	// DefaultMaxBytes: news pages are rarely over 1 MiB of HTML; five
	// leaves room for heavy markup while bounding memory per fetch.
	DefaultMaxBytes = 5 << 20
	// DefaultTimeout bounds a whole fetch (redirects and body included):
	// a moderator is waiting for the answer.
	DefaultTimeout = 20 * time.Second
	// DefaultConnectTimeout bounds one TCP connect: a host that does not
	// answer within it is down or filtering.
	DefaultConnectTimeout = 5 * time.Second
	// DefaultPerHostConcurrency: two requests in flight per host is what
	// polite crawlers and browsers of old used.
	DefaultPerHostConcurrency = 2
	// DefaultPerHostDelay spaces request starts to one host so that a
	// feed with fifty new items does not hammer its site.
	DefaultPerHostDelay = 500 * time.Millisecond
	// MaxRedirects is how many redirects a fetch follows; real sites need
	// two or three (http -> https -> www -> canonical).
	MaxRedirects = 5
)

// maxTLSHandshake bounds a TLS handshake, the other part of connecting.
const maxTLSHandshake = 10 * time.Second

// idleConnTimeout is how long a kept-alive connection waits for the next
// request to its host: long enough for a feed's items, short enough not to
// hold sockets between polls.
const idleConnTimeout = 90 * time.Second

// maxDrainBytes is how much of a redirect's body is read so that its
// connection can be reused; more than that and closing it is cheaper.
const maxDrainBytes = 64 << 10

// Sentinel errors. Fetch and Article wrap them; test with errors.Is.
var (
	// ErrTooLarge means the response body is longer than Options.MaxBytes.
	// It is corpus.ErrTooLarge; the concrete error is a *corpus.InputError.
	ErrTooLarge = corpus.ErrTooLarge
	// ErrUnsupportedType means the response has a content type the
	// fetcher does not read (images, PDFs...), or Article was given a feed.
	// It is corpus.ErrUnsupported; the concrete error is a *corpus.InputError.
	ErrUnsupportedType = corpus.ErrUnsupported
)

// StatusError is returned for a response that is neither 2xx, 304, nor a
// redirect, so a caller (the feed poller) can act on the code: back off on
// 429 and 5xx, give up on 404 and 410.
type StatusError struct {
	URL        string // the URL that answered (after redirects)
	StatusCode int    // e.g. 404
	Status     string // e.g. "404 Not Found"
}

func (e *StatusError) Error() string { return fmt.Sprintf("fetch %s: %s", e.URL, e.Status) }

// Unwrap gives the status as a *corpus.InputError of kind
// corpus.ErrUnavailable, which bot shows without knowing this package.
func (e *StatusError) Unwrap() error {
	return &corpus.InputError{Kind: corpus.ErrUnavailable, Reason: "the site answered " + e.Status}
}

// Options configures a Fetcher. Zero values mean the defaults above.
type Options struct {
	// Allow lists hosts and CIDR ranges that may be fetched even though
	// they are not public (see ParseAllow, NEWSBOT_FETCH_ALLOW): a host
	// name matches the URL's host exactly (no subdomains) and then any
	// address it resolves to is accepted; an IP address or range matches
	// the address dialled.
	Allow     []string
	UserAgent string // default DefaultUserAgent
	MaxBytes  int64  // default DefaultMaxBytes
	// Timeout bounds a whole fetch: connecting, redirects and reading the
	// body, but not the wait for a per-host slot (which the caller's
	// context bounds). Default DefaultTimeout.
	Timeout        time.Duration
	ConnectTimeout time.Duration // one TCP connect; default DefaultConnectTimeout
	// PerHostConcurrency is how many requests to one host may be in
	// flight at once; default DefaultPerHostConcurrency.
	PerHostConcurrency int
	// PerHostDelay is the least time between the starts of two requests
	// to one host; default DefaultPerHostDelay, negative for none.
	PerHostDelay time.Duration
	// Resolver resolves host names; nil means net.DefaultResolver.
	Resolver Resolver
	// Logger receives a debug line per fetch and an info line per
	// refusal; nil discards them.
	Logger *slog.Logger
}

// Request is one URL to fetch.
type Request struct {
	URL string
	// ETag and LastModified, from an earlier Response, make the request
	// conditional (If-None-Match, If-Modified-Since).
	ETag, LastModified string
	// Accept overrides the Accept header; empty sends one preferring HTML
	// and feeds.
	Accept string
}

// Response is a fetched document.
type Response struct {
	URL         string // final URL, after redirects
	Status      int    // HTTP status code
	NotModified bool   // 304: the document has not changed since ETag/LastModified; Body is empty
	// ContentType is the media type, lower-cased, without parameters
	// ("text/html"); sniffed from the body when the server sends none.
	ContentType string
	// Charset is the encoding the body was decoded from ("utf-8",
	// "windows-1252"...) for HTML and text. For feeds it is the charset
	// parameter the server sent, if any: feed bodies are left as sent,
	// since XML and feed parsers read the encoding declaration themselves.
	Charset string
	// Body is the document: UTF-8 for HTML and text, raw bytes for feeds.
	Body []byte
	// ETag and LastModified are the validators to send next time.
	ETag, LastModified string
}

// IsFeed reports whether the response has a feed content type (RSS, Atom,
// JSON Feed, or generic XML or JSON) rather than a page.
func (r *Response) IsFeed() bool { return kindOf(r.ContentType) == kindFeed }

// Fetcher fetches URLs safely. It is safe for concurrent use; make one per
// process so that per-host limits hold across all callers.
type Fetcher struct {
	client    *http.Client
	guard     *guard
	hosts     *hosts
	userAgent string
	maxBytes  int64
	timeout   time.Duration
	log       *slog.Logger
}

// New returns a Fetcher. It returns an error when an Allow entry is not a
// host name, IP address or CIDR range.
func New(opt Options) (*Fetcher, error) {
	g := &guard{hosts: make(map[string]bool), resolver: opt.Resolver}
	for _, a := range opt.Allow {
		e, err := parseAllowEntry(a)
		if err != nil {
			return nil, fmt.Errorf("new fetcher: %w", err)
		}
		if e.host != "" {
			g.hosts[e.host] = true
		} else {
			g.prefixes = append(g.prefixes, e.prefix)
		}
	}
	if g.resolver == nil {
		g.resolver = net.DefaultResolver
	}
	connect := orDefault(opt.ConnectTimeout, DefaultConnectTimeout)
	checked := &net.Dialer{Timeout: connect, Control: g.control}
	unchecked := &net.Dialer{Timeout: connect}
	g.dial = func(ctx context.Context, network, address string, check bool) (net.Conn, error) {
		if check {
			return checked.DialContext(ctx, network, address)
		}
		return unchecked.DialContext(ctx, network, address)
	}

	delay := orDefault(opt.PerHostDelay, DefaultPerHostDelay)
	if delay < 0 {
		delay = 0
	}
	limit := opt.PerHostConcurrency
	if limit <= 0 {
		limit = DefaultPerHostConcurrency
	}
	f := &Fetcher{
		guard:     g,
		hosts:     newHosts(limit, delay),
		userAgent: opt.UserAgent,
		maxBytes:  opt.MaxBytes,
		timeout:   orDefault(opt.Timeout, DefaultTimeout),
		log:       opt.Logger,
	}
	if f.userAgent == "" {
		f.userAgent = DefaultUserAgent
	}
	if f.maxBytes <= 0 {
		f.maxBytes = DefaultMaxBytes
	}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	f.client = &http.Client{
		Transport: &http.Transport{
			Proxy:               nil, // never: a proxy would connect for us, past the guard
			DialContext:         g.dialContext,
			ForceAttemptHTTP2:   true,
			TLSHandshakeTimeout: maxTLSHandshake,
			MaxIdleConnsPerHost: limit,
			IdleConnTimeout:     idleConnTimeout,
		},
		// Redirects are followed by Fetch itself, hop by hop, so that each
		// is checked and counted against its host's limits.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return f, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// defaultAccept prefers pages and feeds, the types Fetch reads.
const defaultAccept = "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml," +
	"application/feed+json,application/xml;q=0.9,text/xml;q=0.9,application/json;q=0.8,text/plain;q=0.8,*/*;q=0.1"

// Fetch gets req.URL, following redirects, and returns the document.
//
// It returns a *RefusedError (errors.Is ErrRefused) for a URL or redirect
// it will not follow, a *StatusError for an error status, an error
// wrapping ErrTooLarge when the body exceeds MaxBytes, and one wrapping
// ErrUnsupportedType for a content type other than HTML, XHTML, plain
// text, RSS, Atom, JSON Feed, XML or JSON. A 304 answer to a conditional
// request is not an error: it returns a Response with NotModified set.
func (f *Fetcher) Fetch(ctx context.Context, req Request) (resp *Response, err error) {
	start := time.Now()
	defer func() {
		var refused *RefusedError
		switch {
		case errors.As(err, &refused):
			f.log.Info("fetch refused", "url", redact(req.URL), "reason", refused.Reason)
		case err != nil:
			f.log.Debug("fetch failed", "url", redact(req.URL), "err", err, "duration", time.Since(start))
		default:
			f.log.Debug("fetched", "url", redact(req.URL), "final_url", redact(resp.URL), "status", resp.Status,
				"type", resp.ContentType, "bytes", len(resp.Body), "duration", time.Since(start))
		}
	}()

	u, err := url.Parse(strings.TrimSpace(req.URL))
	if err != nil {
		return nil, fmt.Errorf("fetch %q: %w", req.URL, err)
	}
	// The first hop waits for its host slot before the total time limit
	// starts: waiting behind other fetches of the same host is not this
	// fetch being slow.
	release, err := f.enter(ctx, u)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	for hop := 0; ; hop++ {
		if hop > 0 {
			if release, err = f.enter(ctx, u); err != nil {
				return nil, err
			}
		}
		resp, next, err := f.do(ctx, u, req)
		release()
		if err != nil {
			return nil, err
		}
		if next == nil {
			return resp, nil
		}
		if hop == MaxRedirects {
			return nil, &RefusedError{URL: next.String(), Reason: fmt.Sprintf("too many redirects (more than %d)", MaxRedirects)}
		}
		u = next
	}
}

// enter checks u and waits for a slot at its host. The caller must call
// release once the request is done.
func (f *Fetcher) enter(ctx context.Context, u *url.URL) (release func(), err error) {
	if err := f.guard.checkURL(u); err != nil {
		return nil, err
	}
	release, err = f.hosts.acquire(ctx, u.Hostname())
	if err != nil {
		release()
		return nil, fmt.Errorf("fetch %s: %w", u, err)
	}
	return release, nil
}

// do makes one request. It returns the response, or the URL a redirect
// points to.
func (f *Fetcher) do(ctx context.Context, u *url.URL, req Request) (*Response, *url.URL, error) {
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, fmt.Errorf("fetch %s: %w", u, err)
	}
	hreq.Header.Set("User-Agent", f.userAgent)
	hreq.Header.Set("Accept", defaultAccept)
	if req.Accept != "" {
		hreq.Header.Set("Accept", req.Accept)
	}
	if req.ETag != "" {
		hreq.Header.Set("If-None-Match", req.ETag)
	}
	if req.LastModified != "" {
		hreq.Header.Set("If-Modified-Since", req.LastModified)
	}
	hresp, err := f.client.Do(hreq)
	if err != nil {
		var refused *RefusedError
		if errors.As(err, &refused) {
			if refused.URL == "" {
				refused.URL = u.String()
			}
			return nil, nil, refused
		}
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			return nil, nil, fmt.Errorf("fetch %s: timed out: %w", u, err)
		}
		return nil, nil, fmt.Errorf("fetch %s: %w", u, unwrapURLError(err))
	}
	defer hresp.Body.Close()

	switch hresp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		loc := hresp.Header.Get("Location")
		if loc == "" {
			return nil, nil, fmt.Errorf("fetch %s: %s without Location", u, hresp.Status)
		}
		next, err := u.Parse(loc)
		if err != nil {
			return nil, nil, fmt.Errorf("fetch %s: bad redirect Location %q: %w", u, loc, err)
		}
		next.Fragment, next.RawFragment = "", ""
		_, _ = io.Copy(io.Discard, io.LimitReader(hresp.Body, maxDrainBytes))
		return nil, next, nil
	case http.StatusNotModified:
		return &Response{
			URL:          u.String(),
			Status:       hresp.StatusCode,
			NotModified:  true,
			ETag:         cmp.Or(hresp.Header.Get("ETag"), req.ETag),
			LastModified: cmp.Or(hresp.Header.Get("Last-Modified"), req.LastModified),
		}, nil, nil
	}
	if hresp.StatusCode < 200 || hresp.StatusCode > 299 {
		return nil, nil, &StatusError{URL: u.String(), StatusCode: hresp.StatusCode, Status: hresp.Status}
	}

	resp := &Response{
		URL:          u.String(),
		Status:       hresp.StatusCode,
		ETag:         hresp.Header.Get("ETag"),
		LastModified: hresp.Header.Get("Last-Modified"),
	}
	ctype := hresp.Header.Get("Content-Type")
	mediaType, params, _ := mime.ParseMediaType(ctype)
	mediaType = strings.ToLower(mediaType)
	if mediaType != "" && kindOf(mediaType) == kindUnsupported {
		return nil, nil, fmt.Errorf("fetch %s: %w", u, corpus.Invalidf(ErrUnsupportedType, "content type %s is not a page newsbot reads", mediaType))
	}
	if hresp.ContentLength > f.maxBytes {
		return nil, nil, fmt.Errorf("fetch %s: %w", u, tooLarge(f.maxBytes))
	}
	// Content-Length may lie or be absent (chunked, gzip): the limit is
	// enforced on what is actually read.
	body, err := io.ReadAll(io.LimitReader(hresp.Body, f.maxBytes+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, fmt.Errorf("fetch %s: timed out reading body: %w", u, ctx.Err())
		}
		return nil, nil, fmt.Errorf("fetch %s: read body: %w", u, err)
	}
	if int64(len(body)) > f.maxBytes {
		return nil, nil, fmt.Errorf("fetch %s: %w", u, tooLarge(f.maxBytes))
	}
	if mediaType == "" {
		// No (readable) Content-Type: sniff, ignoring the sniffer's charset
		// guess, which decodeText makes better.
		ctype = ""
		mediaType, _, _ = mime.ParseMediaType(http.DetectContentType(body))
		if kindOf(mediaType) == kindUnsupported {
			return nil, nil, fmt.Errorf("fetch %s: %w", u, corpus.Invalidf(ErrUnsupportedType, "content type %s (sniffed) is not a page newsbot reads", mediaType))
		}
	}
	resp.ContentType = mediaType
	if kindOf(mediaType) == kindFeed {
		resp.Charset = strings.ToLower(params["charset"])
		resp.Body = body
		return resp, nil, nil
	}
	resp.Body, resp.Charset = decodeText(body, ctype)
	return resp, nil, nil
}

// tooLarge refuses a page over the limit in the words a file over it gets
// (parse), since it is the same limit.
func tooLarge(limit int64) error {
	return corpus.Invalidf(ErrTooLarge, "the page is larger than the %s limit for one article", parse.SizeText(limit))
}

// redact hides a password in a URL before it is logged.
func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return raw
}

// unwrapURLError drops the *url.Error wrapper ("Get \"https://...\": ..."),
// whose URL the caller's message already names.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// kind is how the fetcher treats a media type.
type kind int

const (
	kindUnsupported kind = iota
	kindHTML
	kindText
	kindFeed
)

func kindOf(mediaType string) kind {
	switch mediaType {
	case "text/html", "application/xhtml+xml":
		return kindHTML
	case "text/plain":
		return kindText
	case "application/rss+xml", "application/atom+xml", "application/feed+json",
		"application/json", "application/xml", "text/xml",
		// Not registered, but RSS 1.0 and many RSS 2.0 feeds are served so.
		"application/rdf+xml", "application/x-rss+xml":
		return kindFeed
	}
	return kindUnsupported
}

// decodeText returns body as UTF-8 and the name of the encoding it was in.
// The Content-Type charset and a byte-order mark are believed; otherwise
// a body that is valid UTF-8 is UTF-8 (whatever a <meta> says: mislabelled
// UTF-8 pages are common, Latin-1 text that happens to be valid UTF-8 is
// not), then the page's <meta charset>, then Windows-1252, the web's
// historical default, which also reads ISO-8859-1 correctly.
func decodeText(body []byte, contentType string) ([]byte, string) {
	enc, name, certain := charset.DetermineEncoding(body, contentType)
	if !certain && utf8.Valid(body) {
		name = "utf-8"
	}
	if name == "utf-8" {
		body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
		return bytes.ToValidUTF8(body, []byte("\uFFFD")), name
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return bytes.ToValidUTF8(body, []byte("\uFFFD")), name
	}
	return out, name
}

// Compile-time check that *net.Resolver is a Resolver.
var _ Resolver = (*net.Resolver)(nil)
