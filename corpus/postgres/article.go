package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/newsbot/newsbot/corpus"
)

// defaultLatestN is how many articles Latest returns when N is unset, as
// corpus.LatestQuery documents.
const defaultLatestN = 10

// articleColumns are the article fields every listing returns (no body);
// scanArticle reads them in this order.
const articleColumns = `a.id, a.url, a.title, a.source, a.author, a.published_at, a.added_at, a.added_by, a.scope, a.hash`

// scanArticle scans articleColumns, then extra destinations, into a.
func scanArticle(row pgx.Row, a *corpus.Article, extra ...any) error {
	var url *string
	var published, added *int64
	dest := append([]any{&a.ID, &url, &a.Title, &a.Source, &a.Author, &published, &added, &a.AddedBy, &a.Scope, &a.Hash}, extra...)
	if err := row.Scan(dest...); err != nil {
		return err
	}
	if url != nil {
		a.URL = *url
	}
	a.PublishedAt = timeOrZero(published)
	a.AddedAt = timeOrZero(added)
	return nil
}

// Add stores a prepared article and its passages in one transaction and
// sets a.ID, a.AddedAt and the IDs of its passages; on error a is left
// unchanged and nothing is stored. The rules are the SQLite store's:
//
// a.Hash, a.Scope and at least one passage are required; otherwise Add
// returns an error wrapping corpus.ErrInvalid (so is text PostgreSQL
// cannot hold: a NUL byte or invalid UTF-8).
//
// Duplicates: an article duplicates a stored one with the same canonical
// URL (when not empty) or the same Hash in its own scope or in GlobalScope.
// A global add only checks GlobalScope. Add returns a
// *corpus.DuplicateError naming the stored article: a URL match is
// reported before a content match, and the global copy before the scope's
// own. A server's private add racing a global add of the same story may
// store both, which is the state a global add after the private one leaves
// by design.
func (db *DB) Add(ctx context.Context, a *corpus.Article) (err error) {
	defer wrap(&err, "postgres.Add")
	errs, err := db.addBatch(ctx, []*corpus.Article{a})
	if err != nil {
		return err
	}
	return errs[0]
}

// AddBatch adds many articles in one transaction with COPY, which is what
// makes bulk ingest fast. Each article follows Add's rules (duplicates of
// stored articles and of earlier articles of the batch are reported, not
// stored); errs[i] is the error of as[i] (nil when stored, with its IDs
// set). err is not nil when the transaction failed, and then nothing of
// the batch is stored. Text is analysed on every core before the
// transaction begins.
func (db *DB) AddBatch(ctx context.Context, as []*corpus.Article) (errs []error, err error) {
	defer wrap(&err, "postgres.AddBatch(%d articles)", len(as))
	errs, err = db.addBatch(ctx, as)
	return prefixed(errs, "postgres.AddBatch"), err
}

// batchResult is what one attempt of a batch's transaction decided: each
// article's error (nil when stored) and the ids given to the stored ones.
type batchResult struct {
	errs       []error
	articleIDs []int64
	passageIDs [][]int64
}

// Analyzer is the store's analyzer (ingest.AnalysedBatchAdder): bulk
// ingest analyses batches with it for AddAnalysedBatch.
func (db *DB) Analyzer() *corpus.Analyzer { return &db.an }

// AddAnalysedBatch is AddBatch for articles the caller has analysed:
// terms[i] is Analyzer().ArticleTerms of as[i] (ignored when as[i] is
// not valid). Bulk ingest analyses a batch while the one before it is
// written, then writes the batches in the order it read them, which
// concurrent AddBatch calls would not.
func (db *DB) AddAnalysedBatch(ctx context.Context, as []*corpus.Article, terms []corpus.StoredTerms) (errs []error, err error) {
	defer wrap(&err, "postgres.AddAnalysedBatch(%d articles)", len(as))
	valid := validate(as)
	if err := corpus.CheckBatchTerms(as, valid, terms); err != nil {
		return nil, err
	}
	errs, err = db.addAnalysed(ctx, as, valid, terms)
	return prefixed(errs, "postgres.AddAnalysedBatch"), err
}

// validate is each article's error before any is written: invalid, or
// not storable.
func validate(as []*corpus.Article) []error {
	valid := make([]error, len(as))
	for i, a := range as {
		valid[i] = corpus.ValidateStored(a)
		if valid[i] == nil {
			valid[i] = storable(a)
		}
	}
	return valid
}

// addBatch is AddBatch without the error prefixes (Add adds its own).
func (db *DB) addBatch(ctx context.Context, as []*corpus.Article) ([]error, error) {
	valid := validate(as)
	// Analyse outside the transaction: stemming is the slow part of an add.
	return db.addAnalysed(ctx, as, valid, db.an.ArticlesTerms(as, valid))
}

// addAnalysed writes the articles whose valid[i] is nil, with their terms,
// in one transaction, and returns every article's error.
func (db *DB) addAnalysed(ctx context.Context, as []*corpus.Article, valid []error, terms []corpus.StoredTerms) ([]error, error) {
	added := db.Now().UTC().Truncate(time.Second)
	var res batchResult
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		res, err = db.insertBatch(ctx, tx, as, valid, terms, added)
		return err
	})
	if err != nil {
		return nil, err
	}
	for i, a := range as {
		if res.errs[i] != nil {
			continue
		}
		a.ID, a.AddedAt = res.articleIDs[i], added
		for j := range a.Passages {
			a.Passages[j].ID, a.Passages[j].ArticleID = res.passageIDs[i][j], a.ID
		}
	}
	return res.errs, nil
}

// storable refuses text that PostgreSQL's text type cannot hold, which
// would otherwise fail a whole batch: a NUL byte or invalid UTF-8.
// Prepared text has neither (corpus.Normalize drops control characters).
func storable(a *corpus.Article) error {
	fields := []string{a.URL, a.Title, a.Source, a.Author, a.AddedBy, a.Scope, a.Hash, a.Body}
	for _, p := range a.Passages {
		fields = append(fields, p.Text)
	}
	for _, s := range fields {
		if strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s) {
			return fmt.Errorf("text holds a NUL byte or invalid UTF-8: %w", corpus.ErrInvalid)
		}
	}
	return nil
}

// dupKey is a URL or hash in a scope, for the duplicate checks within a
// batch.
type dupKey struct{ value, scope string }

// insertBatch decides which articles of the batch are duplicates (of
// stored articles or of earlier ones of the batch), gives the others ids
// and writes them with COPY, with their change-log entries, in tx.
func (db *DB) insertBatch(ctx context.Context, tx pgx.Tx, as []*corpus.Article, valid []error, terms []corpus.StoredTerms, added time.Time) (batchResult, error) {
	res := batchResult{errs: slices.Clone(valid), articleIDs: make([]int64, len(as)), passageIDs: make([][]int64, len(as))}
	stored, err := storedDuplicates(ctx, tx, as, res.errs)
	if err != nil {
		return res, err
	}
	// Earlier articles of the batch count as stored: the index of the
	// article holding each URL and hash, by scope.
	byURL, byHash := make(map[dupKey]int), make(map[dupKey]int)
	dupOf := make([]int, len(as)) // batch index of the article as[i] duplicates, -1 for none
	var keep []int
	for i, a := range as {
		dupOf[i] = -1
		if res.errs[i] != nil {
			continue
		}
		if d := stored[i]; d != nil {
			res.errs[i] = d
			continue
		}
		lookups := []struct {
			m   map[dupKey]int
			key dupKey
			by  string
		}{
			{byURL, dupKey{a.URL, corpus.GlobalScope}, "url"},
			{byURL, dupKey{a.URL, a.Scope}, "url"},
			{byHash, dupKey{a.Hash, corpus.GlobalScope}, "content"},
			{byHash, dupKey{a.Hash, a.Scope}, "content"},
		}
		for _, l := range lookups {
			if l.by == "url" && a.URL == "" {
				continue
			}
			if j, ok := l.m[l.key]; ok {
				dupOf[i] = j
				res.errs[i] = &corpus.DuplicateError{By: l.by} // ExistingID once ids are given
				break
			}
		}
		if dupOf[i] >= 0 {
			continue
		}
		if a.URL != "" {
			byURL[dupKey{a.URL, a.Scope}] = i
		}
		byHash[dupKey{a.Hash, a.Scope}] = i
		keep = append(keep, i)
	}
	if len(keep) == 0 {
		return res, nil
	}

	npass := 0
	for _, i := range keep {
		npass += len(as[i].Passages)
	}
	aids, err := nextIDs(ctx, tx, "articles_id_seq", len(keep))
	if err != nil {
		return res, err
	}
	pids, err := nextIDs(ctx, tx, "passages_id_seq", npass)
	if err != nil {
		return res, err
	}
	for k, i := range keep {
		res.articleIDs[i] = aids[k]
		res.passageIDs[i], pids = pids[:len(as[i].Passages)], pids[len(as[i].Passages):]
	}
	for i, j := range dupOf {
		if j >= 0 {
			res.errs[i].(*corpus.DuplicateError).ExistingID = res.articleIDs[j]
		}
	}

	articles := make([][]any, 0, len(keep))
	bodies := make([][]any, 0, len(keep))
	passages := make([][]any, 0, npass)
	for _, i := range keep {
		a, id := as[i], res.articleIDs[i]
		articles = append(articles, []any{id, nullIfEmpty(a.URL), a.Title, a.Source, a.Author,
			unixOrNull(a.PublishedAt), added.Unix(), a.AddedBy, a.Scope, a.Hash, terms[i].Title})
		bodies = append(bodies, []any{id, a.Body})
		for j, p := range a.Passages {
			passages = append(passages, []any{res.passageIDs[i][j], id, int32(p.Seq), p.Text, terms[i].Passages[j]})
		}
	}
	if err := copyRows(ctx, tx, "articles", []string{"id", "url", "title", "source", "author",
		"published_at", "added_at", "added_by", "scope", "hash", "title_terms"}, articles); err != nil {
		return res, err
	}
	if err := copyRows(ctx, tx, "article_bodies", []string{"article_id", "body"}, bodies); err != nil {
		return res, err
	}
	if err := copyPassages(ctx, tx, passages); err != nil {
		return res, err
	}
	ids := make([]int64, len(keep))
	for k, i := range keep {
		ids[k] = res.articleIDs[i]
	}
	return res, db.logChanges(ctx, tx, corpus.ChangeAdd, ids...)
}

// storedDuplicates returns, for each article without an error, the
// *corpus.DuplicateError of the stored article it duplicates (nil for
// none), with one query for the whole batch.
func storedDuplicates(ctx context.Context, tx pgx.Tx, as []*corpus.Article, errs []error) ([]error, error) {
	var urls, hashes, scopes []string
	var idx []int
	for i, a := range as {
		if errs[i] == nil {
			urls, hashes, scopes = append(urls, a.URL), append(hashes, a.Hash), append(scopes, a.Scope)
			idx = append(idx, i)
		}
	}
	out := make([]error, len(as))
	if len(idx) == 0 {
		return out, nil
	}
	// (url, scope) and (hash, scope) are unique, so each sub-select is a
	// point lookup in a unique index; nullif makes an empty URL match
	// nothing.
	rows, err := tx.Query(ctx, `SELECT c.ord,
			(SELECT id FROM articles WHERE url = nullif(c.url, '') AND scope = '`+corpus.GlobalScope+`'),
			(SELECT id FROM articles WHERE url = nullif(c.url, '') AND scope = c.scope),
			(SELECT id FROM articles WHERE hash = c.hash AND scope = '`+corpus.GlobalScope+`'),
			(SELECT id FROM articles WHERE hash = c.hash AND scope = c.scope)
		FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS c(url, hash, scope, ord)`,
		urls, hashes, scopes)
	if err != nil {
		return nil, fmt.Errorf("check duplicates: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ord int64
		var urlG, urlS, hashG, hashS *int64
		if err := rows.Scan(&ord, &urlG, &urlS, &hashG, &hashS); err != nil {
			return nil, fmt.Errorf("check duplicates: %w", err)
		}
		i := idx[ord-1]
		switch {
		case urlG != nil:
			out[i] = &corpus.DuplicateError{ExistingID: *urlG, By: "url"}
		case urlS != nil:
			out[i] = &corpus.DuplicateError{ExistingID: *urlS, By: "url"}
		case hashG != nil:
			out[i] = &corpus.DuplicateError{ExistingID: *hashG, By: "content"}
		case hashS != nil:
			out[i] = &corpus.DuplicateError{ExistingID: *hashS, By: "content"}
		}
	}
	return out, rows.Err()
}

// nextIDs takes n values of a sequence, in ascending order, so the rows of
// a batch are written with COPY under ids known in advance.
func nextIDs(ctx context.Context, tx pgx.Tx, seq string, n int) ([]int64, error) {
	if n == 0 {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `SELECT nextval($1::regclass) FROM generate_series(1, $2)`, seq, n)
	if err != nil {
		return nil, fmt.Errorf("take ids: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("take ids: %w", err)
	}
	slices.Sort(ids)
	return ids, nil
}

// copyRows writes rows into table with COPY.
func copyRows(ctx context.Context, tx pgx.Tx, table string, columns []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("copy %s: %w", table, err)
	}
	return nil
}

// copyPassages writes passage rows (id, article_id, seq, text, terms).
func copyPassages(ctx context.Context, tx pgx.Tx, rows [][]any) error {
	return copyRows(ctx, tx, "passages", []string{"id", "article_id", "seq", "text", "terms"}, rows)
}

// passageRows gives passages ids and returns their rows for copyPassages.
func passageRows(ctx context.Context, tx pgx.Tx, articleID int64, ps []corpus.Passage, terms []string) ([]int64, [][]any, error) {
	ids, err := nextIDs(ctx, tx, "passages_id_seq", len(ps))
	if err != nil {
		return nil, nil, err
	}
	rows := make([][]any, len(ps))
	for i, p := range ps {
		rows[i] = []any{ids[i], articleID, int32(p.Seq), p.Text, terms[i]}
	}
	return ids, rows, nil
}

// Get returns the article with its Body and Passages (in order), whatever
// its scope: callers check a.Scope against theirs. Returns
// corpus.ErrNotFound if there is no such article.
func (db *DB) Get(ctx context.Context, id int64) (_ *corpus.Article, err error) {
	defer wrap(&err, "postgres.Get(%d)", id)
	return db.getWhere(ctx, `a.id = $1`, id)
}

// GetByURL returns the article with exactly this canonical URL, with its
// Body and Passages. When several scopes hold the URL it returns the global
// copy, else the earliest added. Returns corpus.ErrNotFound if none has it.
func (db *DB) GetByURL(ctx context.Context, url string) (_ *corpus.Article, err error) {
	defer wrap(&err, "postgres.GetByURL(%q)", url)
	if url == "" {
		return nil, corpus.ErrNotFound
	}
	return db.getWhere(ctx, `a.url = $1 ORDER BY a.scope = '`+corpus.GlobalScope+`' DESC, a.id LIMIT 1`, url)
}

// getWhere reads one article and its passages in one read transaction, so
// a concurrent Delete or Update cannot leave an article without its
// passages or with another version's.
func (db *DB) getWhere(ctx context.Context, where string, arg any) (*corpus.Article, error) {
	var a corpus.Article
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		err := scanArticle(tx.QueryRow(ctx, `SELECT `+articleColumns+`, b.body FROM articles a
			JOIN article_bodies b ON b.article_id = a.id WHERE `+where, arg), &a, &a.Body)
		if errors.Is(err, pgx.ErrNoRows) {
			return corpus.ErrNotFound
		}
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id, seq, text FROM passages WHERE article_id = $1 ORDER BY seq`, a.ID)
		if err != nil {
			return err
		}
		a.Passages, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (corpus.Passage, error) {
			p := corpus.Passage{ArticleID: a.ID}
			var seq int32
			err := row.Scan(&p.ID, &seq, &p.Text)
			p.Seq = int(seq)
			return p, err
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// Delete removes the article, its passages and their vectors in one
// transaction. Returns corpus.ErrNotFound if there is no such article.
func (db *DB) Delete(ctx context.Context, id int64) (err error) {
	defer wrap(&err, "postgres.Delete(%d)", id)
	return db.inTx(ctx, func(tx pgx.Tx) error {
		// Passages go by ON DELETE CASCADE; the index follows the change log.
		if err := oneRow(tx.Exec(ctx, `DELETE FROM articles WHERE id = $1`, id)); err != nil {
			return err
		}
		return db.logChanges(ctx, tx, corpus.ChangeRemove, id)
	})
}

// queryArticles runs a query selecting articleColumns.
func (db *DB) queryArticles(ctx context.Context, query string, args ...any) ([]corpus.Article, error) {
	rows, err := db.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (corpus.Article, error) {
		var a corpus.Article
		err := scanArticle(row, &a)
		return a, err
	})
}

// latestOrder is the order of Latest and FindTitles: newest published
// first, undated after all dated ones, newest added first.
const latestOrder = ` ORDER BY a.published_at DESC NULLS LAST, a.added_at DESC, a.id DESC`

// Latest returns the newest articles in q.Scopes (GlobalScope when empty),
// newest published first; articles without a published time come after
// all dated ones, newest added first. Body and Passages are left empty.
func (db *DB) Latest(ctx context.Context, q corpus.LatestQuery) (_ []corpus.Article, err error) {
	defer wrap(&err, "postgres.Latest")
	n := q.N
	if n <= 0 {
		n = defaultLatestN
	}
	args := []any{scopesOrGlobal(q.Scopes)}
	where := `a.scope = ANY($1)`
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if q.Source != "" {
		where += ` AND lower(a.source) = lower(` + arg(q.Source) + `)`
	}
	// corpus.Published's rule: From and To drop undated articles, Before
	// keeps them.
	if p := q.Published; !p.From.IsZero() {
		where += ` AND a.published_at >= ` + arg(p.From.Unix())
	}
	if p := q.Published; !p.To.IsZero() {
		where += ` AND a.published_at < ` + arg(p.To.Unix())
	}
	if p := q.Published; !p.Before.IsZero() {
		where += ` AND (a.published_at IS NULL OR a.published_at <= ` + arg(p.Before.Unix()) + `)`
	}
	return db.queryArticles(ctx, `SELECT `+articleColumns+` FROM articles a WHERE `+where+latestOrder+` LIMIT `+arg(n), args...)
}

// Stats describes the articles in scopes (GlobalScope when empty). Outlets
// are counted case-insensitively. NewestTitle is the title of the article
// Latest would list first.
func (db *DB) Stats(ctx context.Context, scopes []string) (_ corpus.Stats, err error) {
	defer wrap(&err, "postgres.Stats")
	var s corpus.Stats
	var oldest, newest *int64
	var title *string
	var passages, articles, outlets int64
	err = db.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM articles a JOIN passages p ON p.article_id = a.id WHERE a.scope = ANY($1)),
		(SELECT a.title FROM articles a WHERE a.scope = ANY($1)`+latestOrder+` LIMIT 1),
		count(*), count(DISTINCT nullif(lower(source), '')), min(published_at), max(published_at)
		FROM articles WHERE scope = ANY($1)`, scopesOrGlobal(scopes)).
		Scan(&passages, &title, &articles, &outlets, &oldest, &newest)
	if err != nil {
		return corpus.Stats{}, err
	}
	s.Passages, s.Articles, s.Outlets = int(passages), int(articles), int(outlets)
	if title != nil {
		s.NewestTitle = *title
	}
	s.Oldest, s.Newest = timeOrZero(oldest), timeOrZero(newest)
	return s, nil
}

// Sources returns the distinct outlets of the articles in scopes
// (GlobalScope when empty), sorted case-insensitively; spellings that
// differ only in case are listed once. Byte order (COLLATE "C"), as
// SQLite sorts, whatever the database's collation.
func (db *DB) Sources(ctx context.Context, scopes []string) (_ []string, err error) {
	defer wrap(&err, "postgres.Sources")
	rows, err := db.pool.Query(ctx, `SELECT min(source COLLATE "C") FROM articles
		WHERE scope = ANY($1) AND source <> ''
		GROUP BY lower(source) ORDER BY lower(source) COLLATE "C"`, scopesOrGlobal(scopes))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// prefixed names op in each article's error of a batch, as Add's errors
// name theirs.
func prefixed(errs []error, op string) []error {
	for i := range errs {
		if errs[i] != nil {
			errs[i] = fmt.Errorf("%s: %w", op, errs[i])
		}
	}
	return errs
}
