package corpus

import "time"

// ChangeOp says what a change did to an article.
type ChangeOp string

// The operations a change log records.
const (
	ChangeAdd    ChangeOp = "add"    // a new article
	ChangeUpdate ChangeOp = "update" // an article's text or metadata replaced in place
	ChangeRemove ChangeOp = "remove" // an article deleted
)

// Change is one entry of a store's change log. Every add, update and
// delete of an article is logged in the transaction that makes it, with a
// sequence number that grows in commit order, so a reader that remembers
// the last Seq it applied catches up without missing or reordering
// anything (the in-memory index does; see retrieval/index).
type Change struct {
	Seq       int64
	ArticleID int64
	Op        ChangeOp
	At        time.Time
}

// IndexedArticle is what the in-memory index holds of an article: ids,
// scope, date and analysed terms, not the text. The store keeps the terms
// (see Terms) so the index can be rebuilt without analysing text again.
type IndexedArticle struct {
	ArticleID   int64
	Scope       string
	PublishedAt time.Time // zero when unknown
	TitleTerms  []string  // Terms(title)
	Passages    []IndexedPassage
}

// IndexedPassage is one passage of an IndexedArticle.
type IndexedPassage struct {
	ID    int64
	Terms []string // Terms(passage text), in order
}

// JoinedArticle is an IndexedArticle with its terms as the store keeps
// them: each title's and passage's Terms joined by single spaces. A full
// index build reads hundreds of millions of terms, and splitting them into
// a []string per passage costs more than reading them; the index splits
// them as it looks them up.
type JoinedArticle struct {
	ArticleID   int64
	Scope       string
	PublishedAt time.Time // zero when unknown
	TitleTerms  string    // Terms(title), joined by single spaces
	Passages    []JoinedPassage
}

// JoinedPassage is one passage of a JoinedArticle.
type JoinedPassage struct {
	ID    int64
	Terms string // Terms(passage text), in order, joined by single spaces
}

// QueryTerm is an analysed term of a search with its weight: 1 for the
// question's own words, less for words that only steer the ranking (a
// follow-up's context).
type QueryTerm struct {
	Term   string
	Weight float64
}

// Indexed splits joined articles' terms: the IndexedArticles a store's
// IndexedArticles and ScanIndexed return, from what its joined read gave.
func Indexed(js []JoinedArticle) []IndexedArticle {
	if len(js) == 0 {
		return nil
	}
	var ts TermSplitter
	out := make([]IndexedArticle, len(js))
	for i, j := range js {
		a := &out[i]
		a.ArticleID, a.Scope, a.PublishedAt, a.TitleTerms = j.ArticleID, j.Scope, j.PublishedAt, ts.Split(j.TitleTerms)
		if len(j.Passages) > 0 {
			a.Passages = make([]IndexedPassage, len(j.Passages))
			for k, p := range j.Passages {
				a.Passages[k] = IndexedPassage{ID: p.ID, Terms: ts.Split(p.Terms)}
			}
		}
	}
	return out
}

// Hydrated returns hits filled in from found (the stored passages with
// their articles, by passage id), in the hits' order and with their
// scores, leaving out a hit whose passage is gone or now belongs to
// another article (the index applies the change log a moment later): the
// rule both stores' Hydrate apply to what they read.
func Hydrated(hits []Hit, found map[int64]Hit) []Hit {
	out := make([]Hit, 0, len(hits))
	for _, h := range hits {
		f, ok := found[h.Passage.ID]
		if !ok || f.Article.ID != h.Article.ID {
			continue
		}
		f.Score = h.Score
		out = append(out, f)
	}
	return out
}
