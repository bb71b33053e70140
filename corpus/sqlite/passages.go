package sqlite

import (
	"database/sql"
	"fmt"
	"strings"

	"github.com/newsbot/newsbot/corpus"
)

// passageTextSQL is a passage's text in a query that names the passage p
// and joins its article's body as b (migration 0010): the byte range
// [start_byte, end_byte) of the body, or the stored text when the passage
// has no range. substr over a BLOB counts bytes, as the offsets do.
const passageTextSQL = `CASE WHEN p.start_byte IS NULL THEN p.text
	ELSE CAST(substr(CAST(b.body AS BLOB), p.start_byte + 1, p.end_byte - p.start_byte) AS TEXT) END`

// storedPassage is how one passage is written: a byte range of the body
// when its text is found there (every passage corpus.Chunk makes), else
// the text itself.
type storedPassage struct {
	text       string // "" when the range is set
	start, end any    // int; nil (NULL) when the text is stored
}

// locate finds the passages' texts in body, searching each from where the
// previous one ended (passages come in order and do not overlap), then
// from the start (a caller's passages in another order), and returns how
// each is stored. In order, each search reads about its passage's length
// of the body: far less work than writing the text again.
func locate(body string, ps []corpus.Passage) []storedPassage {
	out := make([]storedPassage, len(ps))
	from := 0
	for i, p := range ps {
		t := p.Text
		k := -1
		if from <= len(body) {
			if j := strings.Index(body[from:], t); j >= 0 {
				k = from + j
			}
		}
		if k < 0 {
			k = strings.Index(body, t)
		}
		if k < 0 {
			out[i] = storedPassage{text: t}
			continue
		}
		out[i] = storedPassage{start: k, end: k + len(t)}
		from = k + len(t)
	}
	return out
}

// passageText returns a passage's text from its stored form: the range
// [start, end) of body, or text when the range is NULL. A range outside
// the body (a damaged row) is an error, not a panic.
func passageText(body string, start, end sql.NullInt64, text string) (string, error) {
	if !start.Valid {
		return text, nil
	}
	if !end.Valid || start.Int64 < 0 || end.Int64 < start.Int64 || end.Int64 > int64(len(body)) {
		return "", fmt.Errorf("passage range [%d, %d) outside its body of %d bytes", start.Int64, end.Int64, len(body))
	}
	return body[start.Int64:end.Int64], nil
}
