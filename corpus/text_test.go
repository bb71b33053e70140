package corpus

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestCheckText(t *testing.T) {
	random := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.IntN(256))
	}
	noNUL := make([]byte, 0, len(random))
	for _, b := range random {
		if b != 0 {
			noNUL = append(noNUL, b)
		}
	}
	tests := []struct {
		name string
		data []byte
		text bool
	}{
		{"plain", []byte("Officials said on Friday.\n\nMore text\twith a tab.\r\n"), true},
		{"empty", nil, true},
		{"windows-1252 accents", []byte("Caf\xe9 au lait, na\xefve \x93quotes\x94 in a long sentence of plain English text."), true},
		{"utf-16 with BOM", []byte{0xFF, 0xFE, 'h', 0, 'i', 0}, true},
		{"form feed between pages", []byte("Page one.\fPage two of a long report with plenty of words in it."), true},
		{"random bytes", random, false},
		{"random bytes without NUL", noNUL, false},
		{"zip header", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00zipcontent"), false},
		{"control characters", []byte(strings.Repeat("ab\x01\x02", 100)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckText(tt.data)
			if tt.text && err != nil {
				t.Errorf("CheckText(%s) = %v; want nil", tt.name, err)
			}
			if !tt.text && (!errors.Is(err, ErrNotText) || !errors.Is(err, ErrInvalid)) {
				t.Errorf("CheckText(%s) = %v; want ErrNotText (and ErrInvalid)", tt.name, err)
			}
		})
	}
}

func TestInputErrorKinds(t *testing.T) {
	tests := []struct {
		kind        error
		invalid     bool // also matches ErrInvalid
		unsupported bool // also matches ErrUnsupported
		msg         string
	}{
		{ErrInvalid, true, false, "no body"},
		{ErrTooLarge, true, false, "too large: no body"},
		{ErrNotText, true, false, "not text: no body"},
		{ErrUnsupported, true, true, "unsupported: no body"},
		{ErrFeedNotPage, true, true, "a feed or data, not a page: no body"},
		{ErrRefused, false, false, "refused: no body"},
		{ErrUnavailable, false, false, "site unavailable: no body"},
	}
	for _, tt := range tests {
		err := Invalidf(tt.kind, "no body")
		if !errors.Is(err, tt.kind) || errors.Is(err, ErrInvalid) != tt.invalid || errors.Is(err, ErrUnsupported) != tt.unsupported || err.Error() != tt.msg {
			t.Errorf("Invalidf(%v) = %q, Is(ErrInvalid) %v, Is(ErrUnsupported) %v; want %q, %v, %v", tt.kind, err,
				errors.Is(err, ErrInvalid), errors.Is(err, ErrUnsupported), tt.msg, tt.invalid, tt.unsupported)
		}
	}
	if errors.Is(Invalidf(ErrUnsupported, "x"), ErrFeedNotPage) {
		t.Error("an unsupported file type matches ErrFeedNotPage; want only a feed given as a page to")
	}
}
