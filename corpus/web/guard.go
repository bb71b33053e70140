package web

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"

	"github.com/newsbot/newsbot/corpus"
)

// ErrRefused is what every *RefusedError matches with errors.Is: the fetcher
// would not contact that address. It is corpus.ErrRefused, so callers that
// know only corpus (bot) test for it too.
var ErrRefused = corpus.ErrRefused

// RefusedError says why a URL was not fetched: a scheme other than http or
// https, an address that is not public, or too many redirects. Its message
// names the reason, e.g. "refused: 10.0.0.5 is a private address", so it can
// be shown to the moderator who asked.
type RefusedError struct {
	URL    string // the URL (or redirect target) that was refused
	Reason string // e.g. "10.0.0.5 is a private address"
}

func (e *RefusedError) Error() string { return "refused: " + e.Reason }

// Is makes errors.Is(err, ErrRefused) true for a *RefusedError.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }

// Unwrap gives the refusal as a *corpus.InputError, whose reason bot shows
// to the person who asked without knowing this package.
func (e *RefusedError) Unwrap() error { return &corpus.InputError{Kind: ErrRefused, Reason: e.Reason} }

// Resolver looks up the addresses of a host name; *net.Resolver is one.
// Tests inject a fake to control what a name resolves to.
type Resolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// special is one range of addresses that are not public.
type special struct {
	prefix netip.Prefix
	reason string
}

// specials lists the IPv4 and IPv6 ranges a fetch must not reach: they
// lead to this machine, the local network, a cloud metadata service, or
// nowhere. Order matters only for the reason given (the first match).
// IPv4-mapped, NAT64 and 6to4 addresses are unwrapped before this list is
// consulted (see nonPublic).
var specials = func() []special {
	list := []struct{ cidr, reason string }{
		{"255.255.255.255/32", "a broadcast address"},
		{"0.0.0.0/32", "an unspecified address"},
		{"0.0.0.0/8", "a reserved address (\"this network\")"},
		{"10.0.0.0/8", "a private address"},
		{"100.64.0.0/10", "a carrier-grade NAT address"},
		{"127.0.0.0/8", "a loopback address"},
		{"169.254.0.0/16", "a link-local address"},
		{"172.16.0.0/12", "a private address"},
		{"192.0.0.0/24", "a reserved address (IETF protocol assignments)"},
		{"192.0.2.0/24", "a documentation address"},
		{"192.88.99.0/24", "a reserved address (6to4 relay)"},
		{"192.168.0.0/16", "a private address"},
		{"198.18.0.0/15", "a benchmarking address"},
		{"198.51.100.0/24", "a documentation address"},
		{"203.0.113.0/24", "a documentation address"},
		{"224.0.0.0/4", "a multicast address"},
		{"240.0.0.0/4", "a reserved address"},

		{"::/128", "an unspecified address"},
		{"::1/128", "a loopback address"},
		{"::/96", "a reserved address (IPv4-compatible)"},
		{"100::/64", "a reserved address (discard-only)"},
		{"2001::/32", "a reserved address (Teredo)"},
		{"2001:db8::/32", "a documentation address"},
		{"3fff::/20", "a documentation address"},
		{"64:ff9b:1::/48", "a local NAT64 address"},
		{"fc00::/7", "a unique local (private) address"},
		{"fe80::/10", "a link-local address"},
		{"fec0::/10", "a site-local address"},
		{"ff00::/8", "a multicast address"},
	}
	out := make([]special, len(list))
	for i, s := range list {
		out[i] = special{netip.MustParsePrefix(s.cidr), s.reason}
	}
	return out
}()

var (
	nat64Prefix   = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour     = netip.MustParsePrefix("2002::/16")
	globalUnicast = netip.MustParsePrefix("2000::/3")
)

// nonPublic returns why ip is not a public address ("a private address",
// "a loopback address", ...), or "" when a fetch may reach it. Addresses
// that embed an IPv4 address (IPv4-mapped ::ffff:a.b.c.d, NAT64
// 64:ff9b::/96, 6to4 2002::/16) are judged by the embedded address, since
// that is where the packets end up.
func nonPublic(ip netip.Addr) string {
	if !ip.IsValid() {
		return "an invalid address"
	}
	ip = ip.WithZone("")
	if ip.Is4In6() {
		if r := nonPublic(ip.Unmap()); r != "" {
			return r + " (IPv4-mapped)"
		}
		return ""
	}
	if ip.Is6() {
		b := ip.As16()
		switch {
		case nat64Prefix.Contains(ip):
			if r := nonPublic(netip.AddrFrom4([4]byte(b[12:16]))); r != "" {
				return r + " (NAT64)"
			}
			return ""
		case sixToFour.Contains(ip):
			if r := nonPublic(netip.AddrFrom4([4]byte(b[2:6]))); r != "" {
				return r + " (6to4)"
			}
			return ""
		}
	}
	for _, s := range specials {
		if s.prefix.Contains(ip) {
			return s.reason
		}
	}
	if ip.Is6() && !globalUnicast.Contains(ip) {
		// Everything routable on the IPv6 internet is in 2000::/3; the
		// rest is reserved by IANA.
		return "a reserved address"
	}
	return ""
}

// ParseAllow reads an allow list such as NEWSBOT_FETCH_ALLOW: entries
// separated by commas (spaces around them are ignored), each a host name
// ("intranet.example"), an IP address ("127.0.0.1", "::1") or a CIDR range
// ("10.0.0.0/8"). It returns the entries normalised (names lower-cased,
// addresses and ranges in canonical form), or an error naming the first
// entry that is none of these, such as a URL or a host with a port.
func ParseAllow(s string) ([]string, error) {
	var out []string
	for _, field := range strings.Split(s, ",") {
		field = strings.TrimSpace(field)
		if field == "" {
			continue
		}
		e, err := parseAllowEntry(field)
		if err != nil {
			return nil, err
		}
		out = append(out, e.String())
	}
	return out, nil
}

// allowEntry is one parsed allow-list entry: a host name or an address range.
type allowEntry struct {
	host   string
	prefix netip.Prefix
}

func (e allowEntry) String() string {
	if e.host != "" {
		return e.host
	}
	if e.prefix.IsSingleIP() {
		return e.prefix.Addr().String()
	}
	return e.prefix.String()
}

// maxHostLen is the longest DNS name (RFC 1035).
const maxHostLen = 253

func parseAllowEntry(s string) (allowEntry, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return allowEntry{}, fmt.Errorf("allow entry %q is not a host, IP address or CIDR range", s)
		}
		return allowEntry{prefix: p.Masked()}, nil
	}
	if ip, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")); err == nil {
		ip = ip.WithZone("").Unmap()
		return allowEntry{prefix: netip.PrefixFrom(ip, ip.BitLen())}, nil
	}
	h := strings.TrimSuffix(strings.ToLower(s), ".")
	if h == "" || len(h) > maxHostLen {
		return allowEntry{}, fmt.Errorf("allow entry %q is not a host, IP address or CIDR range", s)
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return allowEntry{}, fmt.Errorf("allow entry %q is not a host, IP address or CIDR range", s)
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return allowEntry{}, fmt.Errorf("allow entry %q is not a host, IP address or CIDR range", s)
			}
		}
	}
	return allowEntry{host: h}, nil
}

// guard decides which addresses a fetch may reach and dials only those.
type guard struct {
	hosts    map[string]bool // allowed host names: any address they resolve to is fine
	prefixes []netip.Prefix  // allowed address ranges
	resolver Resolver
	// dial connects to an address already checked ("ip:port"); checked
	// tells whether the socket address must be checked again (false only
	// for hosts allowed by name). Tests replace it to see what is dialled.
	dial func(ctx context.Context, network, address string, checked bool) (net.Conn, error)
}

// hostAllowed reports whether the operator allowed this host name.
func (g *guard) hostAllowed(host string) bool {
	return g.hosts[strings.TrimSuffix(strings.ToLower(host), ".")]
}

// refusal returns why ip may not be dialled, or "" when it may: it is
// public or in an allowed range.
func (g *guard) refusal(ip netip.Addr) string {
	ip = ip.WithZone("")
	for _, p := range g.prefixes {
		if p.Contains(ip) || ip.Is4In6() && p.Contains(ip.Unmap()) {
			return ""
		}
	}
	return nonPublic(ip)
}

// checkURL refuses a URL whose scheme is not http or https, that has no
// host, that holds credentials, or whose host is an IP address that is not public. Host names are
// checked when they are resolved, at dial time.
func (g *guard) checkURL(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		if u.Scheme == "" {
			return &RefusedError{URL: u.String(), Reason: "URL has no scheme (want http or https)"}
		}
		return &RefusedError{URL: u.String(), Reason: fmt.Sprintf("scheme %s is not http or https", u.Scheme)}
	}
	host := u.Hostname()
	if host == "" {
		return &RefusedError{URL: u.String(), Reason: "URL has no host"}
	}
	if u.User != nil {
		// The HTTP client would send them as Basic credentials to
		// whoever the host is, and every log and error would show them.
		return &RefusedError{URL: u.Redacted(), Reason: "the URL holds a user name or password"}
	}
	if g.hostAllowed(host) {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if r := g.refusal(ip); r != "" {
			return &RefusedError{URL: u.String(), Reason: fmt.Sprintf("%s is %s", ip, r)}
		}
	}
	return nil
}

// dialContext is the transport's only way out: it resolves the host with
// the guard's Resolver, refuses the connection if any address is not
// public (so a name cannot mix a public and a private answer), and dials
// the checked addresses themselves, never the name, so a second lookup
// (DNS rebinding) cannot change where the connection goes.
func (g *guard) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("dial %s: bad port", addr)
	}
	allowed := g.hostAllowed(host)
	var ips []netip.Addr
	literal := false
	if ip, err := netip.ParseAddr(host); err == nil {
		ips, literal = []netip.Addr{ip}, true
	} else {
		addrs, err := g.resolver.LookupIPAddr(ctx, host)
		if err != nil {
			return nil, fmt.Errorf("resolve %s: %w", host, err)
		}
		for _, a := range addrs {
			// Resolvers give IPv4 addresses in 16-byte form too; Go
			// dials those as IPv4, so they are judged and shown as IPv4.
			if ip, ok := netip.AddrFromSlice(a.IP); ok {
				ips = append(ips, ip.Unmap().WithZone(a.Zone))
			}
		}
		if len(ips) == 0 {
			return nil, fmt.Errorf("resolve %s: no addresses", host)
		}
	}
	if !allowed {
		for _, ip := range ips {
			if r := g.refusal(ip); r != "" {
				if literal {
					return nil, &RefusedError{Reason: fmt.Sprintf("%s is %s", ip, r)}
				}
				return nil, &RefusedError{Reason: fmt.Sprintf("%s resolves to %s, %s", host, ip, r)}
			}
		}
	}
	var errs []error
	for _, ip := range ips {
		conn, err := g.dial(ctx, network, netip.AddrPortFrom(ip, uint16(port)).String(), !allowed)
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

// control is the net.Dialer Control hook: the second line of defence,
// checking the address of the socket about to connect, whatever led to it.
func (g *guard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &RefusedError{Reason: fmt.Sprintf("cannot check address %q", address)}
	}
	if r := g.refusal(ap.Addr()); r != "" {
		return &RefusedError{Reason: fmt.Sprintf("%s is %s", ap.Addr().WithZone(""), r)}
	}
	return nil
}
