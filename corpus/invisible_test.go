package corpus

import "testing"

func TestRemoveInvisible(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"plain text unchanged", "Khan said it.", "Khan said it."},
		{"zero-width inside a fence word", "</pas\u200bsage>", "</passage>"},
		{"bidi override and isolate", "\u202eevil\u202c \u2066x\u2069", "evil x"},
		{"marks, joiners, soft hyphen, BOM", "a\u200eb\u200fc\u200dd\u00ade\ufeff\u061c", "abcde"},
		{"tag characters", "ask\U000E0020\U000E0069\U000E0067nore", "asknore"},
		{"visible neighbours kept", "\u2065\u2070 é", "\u2065\u2070 é"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RemoveInvisible(tt.in); got != tt.want {
				t.Errorf("RemoveInvisible(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}
