package corpus

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestCanonicalURL(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"   ", ""},
		{"https://example.com", "https://example.com/"},
		{"HTTPS://Example.COM/News/Story", "https://example.com/News/Story"},
		{"http://example.com:80/a", "http://example.com/a"},
		{"https://example.com:443/a", "https://example.com/a"},
		{"https://example.com:8443/a", "https://example.com:8443/a"},
		{"http://example.com:443/a", "http://example.com:443/a"},
		{"https://example.com/a/#section-2", "https://example.com/a"},
		{"https://example.com/a/b/../c/./d/", "https://example.com/a/c/d"},
		{"https://example.com/../../a", "https://example.com/a"},
		{"https://example.com//a//b", "https://example.com/a/b"},
		{"https://example.com/?", "https://example.com/"},
		{"https://example.com/a?utm_source=x&utm_MEDIUM=y&fbclid=1&gclid=2&id=5", "https://example.com/a?id=5"},
		{"https://example.com/a?z=1&b=2&a=3&b=1", "https://example.com/a?a=3&b=2&b=1&z=1"},
		{"https://example.com/a?mc_cid=1&mc_eid=2&igshid=3&ref_src=4&cmpid=5&ocid=6&_ga=7&yclid=8&msclkid=9", "https://example.com/a"},
		{"https://example.com/a?q=hello%20world&&p=1", "https://example.com/a?p=1&q=hello%20world"},
		{"https://example.com/caf%c3%a9", "https://example.com/caf%C3%A9"},
		{"https://BÜCHER.example/x", "https://xn--bcher-kva.example/x"},
		{"https://xn--bcher-kva.example/x", "https://xn--bcher-kva.example/x"},
		{"https://example.com./a", "https://example.com/a"},
		{"http://[2001:DB8::1]:80/a", "http://[2001:db8::1]/a"},
		{"http://[2001:db8::1]:8080/a", "http://[2001:db8::1]:8080/a"},
		{"  https://example.com/a  ", "https://example.com/a"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := CanonicalURL(tt.in)
			if err != nil || got != tt.want {
				t.Fatalf("CanonicalURL(%q) = %q, %v; want %q, nil", tt.in, got, err, tt.want)
			}
			if again, err := CanonicalURL(got); err != nil || again != got {
				t.Errorf("CanonicalURL(%q) = %q, %v; want it unchanged (idempotent)", got, again, err)
			}
		})
	}
}

func TestCanonicalURLInvalid(t *testing.T) {
	tests := []string{
		"ftp://example.com/file",
		"javascript:alert(1)",
		"mailto:someone@example.com",
		"example.com/no-scheme",
		"/relative/path",
		"https://",
		"http:opaque",
		"https://user:secret@example.com/a",
		"https://exa mple.com/",
		"https://example.com/%zz",
		"https://" + strings.Repeat("a", maxURLBytes) + ".com/",
	}
	for _, in := range tests {
		t.Run(truncate(in, 40), func(t *testing.T) {
			got, err := CanonicalURL(in)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("CanonicalURL(%q) = %q, %v; want an error wrapping ErrInvalid", in, got, err)
			}
			if !strings.Contains(err.Error(), in[:min(20, len(in))]) {
				t.Errorf("CanonicalURL(%q) error %q does not name the URL", truncate(in, 40), err)
			}
		})
	}
}

func TestContentHash(t *testing.T) {
	base := ContentHash("Pakistan’s Foreign Ministry said: “speculation.”\n\nMore text, 2021.")
	same := []string{
		"pakistans foreign ministry said speculation more text 2021",
		"PAKISTAN'S FOREIGN MINISTRY SAID -- \"SPECULATION\"...\nMore   text 2021!",
	}
	for _, s := range same {
		if got := ContentHash(s); got != base {
			t.Errorf("ContentHash(%q) = %s; want %s (same text)", s, got, base)
		}
	}
	different := []string{
		"Pakistan’s Foreign Ministry said: “speculation.” More text, 2022.",
		"",
	}
	for _, s := range different {
		if got := ContentHash(s); got == base {
			t.Errorf("ContentHash(%q) = %s; want a different hash", s, got)
		}
	}
	if len(base) != 64 {
		t.Errorf("ContentHash length = %d; want 64 hex digits", len(base))
	}
}

func FuzzCanonicalURL(f *testing.F) {
	for _, s := range []string{
		"", "https://example.com", "HTTP://Example.com:80/a/../b/?utm_source=x&b=2&a=1#frag",
		"https://BÜCHER.example/x", "http://[::1]:8080/", "ftp://x", "https://a%zz", "http://a b",
		"https://example.com/%2e%2E/x?%75tm_source=1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := CanonicalURL(in)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("CanonicalURL(%q) error %v does not wrap ErrInvalid", in, err)
			}
			return
		}
		if got == "" {
			if strings.TrimSpace(in) != "" {
				t.Fatalf("CanonicalURL(%q) = \"\", nil for a non-blank URL", in)
			}
			return
		}
		u, err := url.Parse(got)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" {
			t.Fatalf("CanonicalURL(%q) = %q, not an absolute http(s) URL without fragment (%v)", in, got, err)
		}
		again, err := CanonicalURL(got)
		if err != nil || again != got {
			t.Fatalf("CanonicalURL(%q) = %q, %v; want %q (idempotent)", got, again, err, got)
		}
	})
}
