package web

import (
	"context"
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func TestNonPublic(t *testing.T) {
	tests := []struct {
		ip   string
		want string // "" = public
	}{
		{"93.184.216.34", ""},
		{"8.8.8.8", ""},
		{"1.1.1.1", ""},
		{"172.32.0.1", ""},  // just past 172.16/12
		{"100.128.0.1", ""}, // just past 100.64/10
		{"2606:4700:4700::1111", ""},
		{"2a00:1450:4007:80f::200e", ""},
		{"64:ff9b::5db8:d822", ""}, // NAT64 of 93.184.216.34
		{"2002:5db8:d822::1", ""},  // 6to4 of 93.184.216.34

		{"127.0.0.1", "a loopback address"},
		{"127.255.255.254", "a loopback address"},
		{"10.0.0.5", "a private address"},
		{"172.16.0.1", "a private address"},
		{"172.31.255.255", "a private address"},
		{"192.168.1.1", "a private address"},
		{"169.254.169.254", "a link-local address"},
		{"100.64.0.1", "a carrier-grade NAT address"},
		{"100.127.255.255", "a carrier-grade NAT address"},
		{"0.0.0.0", "an unspecified address"},
		{"0.1.2.3", `a reserved address ("this network")`},
		{"255.255.255.255", "a broadcast address"},
		{"224.0.0.1", "a multicast address"},
		{"239.255.255.250", "a multicast address"},
		{"240.0.0.1", "a reserved address"},
		{"192.0.0.8", "a reserved address (IETF protocol assignments)"},
		{"192.0.2.1", "a documentation address"},
		{"198.51.100.7", "a documentation address"},
		{"203.0.113.9", "a documentation address"},
		{"198.18.0.1", "a benchmarking address"},
		{"198.19.255.255", "a benchmarking address"},

		{"::", "an unspecified address"},
		{"::1", "a loopback address"},
		{"fe80::1", "a link-local address"},
		{"fe80::1%eth0", "a link-local address"},
		{"fc00::1", "a unique local (private) address"},
		{"fd12:3456:789a::1", "a unique local (private) address"},
		{"ff02::1", "a multicast address"},
		{"fec0::1", "a site-local address"},
		{"2001:db8::1", "a documentation address"},
		{"::ffff:127.0.0.1", "a loopback address (IPv4-mapped)"},
		{"::ffff:10.0.0.1", "a private address (IPv4-mapped)"},
		{"::ffff:169.254.169.254", "a link-local address (IPv4-mapped)"},
		{"::127.0.0.1", "a reserved address (IPv4-compatible)"},
		{"64:ff9b::7f00:1", "a loopback address (NAT64)"},
		{"64:ff9b::a00:1", "a private address (NAT64)"},
		{"64:ff9b::a9fe:a9fe", "a link-local address (NAT64)"},
		{"64:ff9b:1::a00:1", "a local NAT64 address"},
		{"2002:7f00:1::1", "a loopback address (6to4)"},
		{"2001:0:4136:e378::1", "a reserved address (Teredo)"},
		{"100::1", "a reserved address (discard-only)"},
		{"4000::1", "a reserved address"},
	}
	for _, tt := range tests {
		t.Run(tt.ip, func(t *testing.T) {
			if got := nonPublic(netip.MustParseAddr(tt.ip)); got != tt.want {
				t.Errorf("nonPublic(%s) = %q; want %q", tt.ip, got, tt.want)
			}
		})
	}
}

func TestParseAllow(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{"", nil, ""},
		{" , ,", nil, ""},
		{"127.0.0.1", []string{"127.0.0.1"}, ""},
		{"a,b/24, host", nil, `allow entry "b/24" is not a host, IP address or CIDR range`},
		{"127.0.0.1, 10.0.0.0/8 ,Intranet.Example.", []string{"127.0.0.1", "10.0.0.0/8", "intranet.example"}, ""},
		{"10.1.2.3/8", []string{"10.0.0.0/8"}, ""},
		{"::1,[fd00::1],fd00::/8", []string{"::1", "fd00::1", "fd00::/8"}, ""},
		{"::ffff:127.0.0.1", []string{"127.0.0.1"}, ""},
		{"my_host.local", []string{"my_host.local"}, ""},
		{"http://intranet.example", nil, `allow entry "http://intranet.example" is not a host, IP address or CIDR range`},
		{"intranet.example:8080", nil, `allow entry "intranet.example:8080" is not a host, IP address or CIDR range`},
		{"10.0.0.0/33", nil, `allow entry "10.0.0.0/33" is not a host, IP address or CIDR range`},
		{"bad..host", nil, `allow entry "bad..host" is not a host, IP address or CIDR range`},
		{"-bad.host", nil, `allow entry "-bad.host" is not a host, IP address or CIDR range`},
		{"a b", nil, `allow entry "a b" is not a host, IP address or CIDR range`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseAllow(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("ParseAllow(%q) error = %v; want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseAllow(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseAllow(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNewRejectsBadAllow(t *testing.T) {
	if _, err := New(Options{Allow: []string{"http://x"}}); err == nil {
		t.Fatal(`New(Allow: "http://x") = nil error; want one`)
	}
}

// TestControl checks the second line of defence on its own: the Control
// hook refuses a socket address that is not public, whatever resolved it.
func TestControl(t *testing.T) {
	f := mustNew(t, Options{Allow: []string{"10.9.0.0/16"}})
	tests := []struct {
		addr    string
		refused string
	}{
		{"93.184.216.34:443", ""},
		{"[2606:4700:4700::1111]:443", ""},
		{"10.9.1.1:80", ""}, // allowed range
		{"127.0.0.1:80", "refused: 127.0.0.1 is a loopback address"},
		{"10.0.0.1:80", "refused: 10.0.0.1 is a private address"},
		{"[::ffff:169.254.169.254]:80", "refused: ::ffff:169.254.169.254 is a link-local address (IPv4-mapped)"},
		{"[fe80::1%eth0]:80", "refused: fe80::1 is a link-local address"},
		{"not-an-address", `refused: cannot check address "not-an-address"`},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			err := f.guard.control("tcp", tt.addr, nil)
			if tt.refused == "" {
				if err != nil {
					t.Fatalf("control(%s) = %v; want nil", tt.addr, err)
				}
				return
			}
			if err == nil || err.Error() != tt.refused || !errors.Is(err, ErrRefused) {
				t.Fatalf("control(%s) = %v; want %q", tt.addr, err, tt.refused)
			}
		})
	}
}

// TestControlRealDial shows the hook refusing a real socket: dialling the
// checked path to a loopback listener fails before connecting, even
// though nothing before it looked at the address.
func TestControlRealDial(t *testing.T) {
	srv := newServer(t, nil)
	f := mustNew(t, Options{})
	addr := strings.TrimPrefix(srv.URL, "http://")
	conn, err := f.guard.dial(context.Background(), "tcp", addr, true)
	if err == nil {
		conn.Close()
		t.Fatalf("dial(%s, checked) connected; want refused", addr)
	}
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "127.0.0.1 is a loopback address") {
		t.Fatalf("dial(%s, checked) = %v; want a loopback refusal", addr, err)
	}
	// The unchecked path (hosts allowed by name) does connect.
	conn, err = f.guard.dial(context.Background(), "tcp", addr, false)
	if err != nil {
		t.Fatalf("dial(%s, unchecked): %v", addr, err)
	}
	conn.Close()
}
