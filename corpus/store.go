package corpus

// Types that every store backend returns beside the articles themselves,
// here so that the commands name no backend (corpus/sqlite,
// corpus/postgres) when they use them.

// RechunkStats reports what a store's Rechunk did.
type RechunkStats struct {
	Articles int // articles read
	Resplit  int // articles whose passages were replaced
	// PassagesBefore and PassagesAfter count the passages of the re-split
	// articles only, before and after: the rest did not change.
	PassagesBefore, PassagesAfter int
}

// PassageText is a passage to embed, as a store's PassagesWithoutVectors
// lists it.
type PassageText struct {
	ID    int64  // passage id
	Title string // its article's title
	Text  string
}
