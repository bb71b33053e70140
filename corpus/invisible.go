package corpus

import "strings"

// IsInvisible reports the characters a reader cannot see but software
// acts on: zero-width spaces and joiners, direction marks, embeddings,
// overrides and isolates, the soft hyphen, the byte order mark and the tag
// characters. Scraped text is full of them and they split words unseen;
// they can also make shown text differ from stored text, hide a fence tag
// from the prompt's defences ("</pas\u200bsage>"), make a link read
// differently from where it points, or (tag characters) carry
// instructions to a model that no person sees. This is the one list: the
// article normaliser, the prompt and the Discord renderer all use it.
func IsInvisible(r rune) bool {
	switch {
	case r >= '\u200B' && r <= '\u200F', // zero-width space/joiners, LRM, RLM
		r >= '\u202A' && r <= '\u202E', // bidi embeddings and overrides
		r >= '\u2060' && r <= '\u2064', // word joiner, invisible operators
		r >= '\u2066' && r <= '\u2069', // bidi isolates
		r == '\uFEFF',                  // byte order mark / zero-width no-break space
		r == '\u00AD',                  // soft hyphen
		r == '\u061C',                  // Arabic letter mark
		r >= 0xE0000 && r <= 0xE007F:   // tag characters
		return true
	}
	return false
}

// RemoveInvisible returns s without the characters IsInvisible reports.
func RemoveInvisible(s string) string {
	if !strings.ContainsFunc(s, IsInvisible) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if IsInvisible(r) {
			return -1
		}
		return r
	}, s)
}
