// Package stories groups the articles that report one event into stories:
// near-duplicate copies (the same wire story in several outlets, found by a
// MinHash fingerprint) and distinct reports of the same event (found by the
// names, numbers, dates and headline topic words they share, and the text
// they share, published within a few days).
//
// Grouping is incremental and stable: a Grouper assigns each new article to
// the story of its best match among a few candidates, or starts a story
// whose id is the article's own id, and a story id never changes when
// articles join. The grouper's state lives behind a small Store interface so
// the store backends can persist it; MemStore keeps it in memory.
//
// Matcher.Same is the pairwise decision Assign takes, for measuring the
// grouping on labelled pairs.
package stories
