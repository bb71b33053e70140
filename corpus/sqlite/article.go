package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/newsbot/newsbot/corpus"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// defaultLatestN is how many articles Latest returns when N is unset, as
// corpus.LatestQuery documents.
const defaultLatestN = 10

// articleColumns are the article fields every listing returns (no body);
// scanArticle reads them in this order.
const articleColumns = `a.id, a.url, a.title, a.source, a.author, a.published_at, a.added_at, a.added_by, a.scope, a.hash`

type scanner interface{ Scan(dest ...any) error }

// scanArticle scans articleColumns, then extra destinations, into a.
func scanArticle(s scanner, a *corpus.Article, extra ...any) error {
	var url sql.NullString
	var published, added sql.NullInt64
	dest := append([]any{&a.ID, &url, &a.Title, &a.Source, &a.Author, &published, &added, &a.AddedBy, &a.Scope, &a.Hash}, extra...)
	if err := s.Scan(dest...); err != nil {
		return err
	}
	a.URL = url.String
	a.PublishedAt = timeOrZero(published)
	a.AddedAt = timeOrZero(added)
	return nil
}

// addStmts are the statements of Add.
type addStmts struct {
	dup, article, body, passage, change *sql.Stmt
}

func (s *addStmts) prepare(ctx context.Context, db *sql.DB) error {
	// Duplicates (see Add): the id of the article with the URL (NULL
	// never matches) and of the one with the hash, in the global scope
	// else in the article's. (url, scope) and (hash, scope) are unique, so
	// each scope holds at most one match, found by a point lookup in the
	// unique index, and coalesce takes the global one first. One query per
	// article: ordering the matches of both scopes "global first" instead
	// sorted them in a temporary B-tree, built and freed on every run (1.2
	// of 9 CPU-seconds of a bulk ingest went there, on the single writer
	// connection).
	const dup = `SELECT
		coalesce((SELECT id FROM articles WHERE url = ?1 AND scope = '` + corpus.GlobalScope + `'),
			(SELECT id FROM articles WHERE url = ?1 AND scope = ?3)),
		coalesce((SELECT id FROM articles WHERE hash = ?2 AND scope = '` + corpus.GlobalScope + `'),
			(SELECT id FROM articles WHERE hash = ?2 AND scope = ?3))`
	for _, p := range []struct {
		stmt  **sql.Stmt
		query string
	}{
		{&s.dup, dup},
		{&s.article, `INSERT INTO articles
			(url, title, source, author, published_at, added_at, added_by, scope, hash, title_terms)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&s.body, `INSERT INTO article_bodies(article_id, body) VALUES (?, ?)`},
		{&s.passage, `INSERT INTO passages(article_id, seq, text, terms, start_byte, end_byte) VALUES (?, ?, ?, ?, ?, ?)`},
		{&s.change, `INSERT INTO changes(article_id, op, at) VALUES (?, ?, ?)`},
	} {
		var err error
		if *p.stmt, err = db.PrepareContext(ctx, p.query); err != nil {
			return fmt.Errorf("prepare %q: %w", p.query, err)
		}
	}
	return nil
}

func (s *addStmts) close() error {
	var errs []error
	for _, st := range []*sql.Stmt{s.dup, s.article, s.body, s.passage, s.change} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}

// txStmts are the addStmts bound to one write transaction, once: binding
// allocates and registers a statement with the transaction, which a bulk
// ingest did five times per article.
type txStmts struct {
	dup, article, body, passage, change *sql.Stmt
}

// in binds the statements to tx.
func (s *addStmts) in(ctx context.Context, tx *sql.Tx) txStmts {
	return txStmts{
		dup:     tx.StmtContext(ctx, s.dup),
		article: tx.StmtContext(ctx, s.article),
		body:    tx.StmtContext(ctx, s.body),
		passage: tx.StmtContext(ctx, s.passage),
		change:  tx.StmtContext(ctx, s.change),
	}
}

// Add stores a prepared article and its passages in one transaction and
// sets a.ID, a.AddedAt and the IDs of its passages; on error a is left
// unchanged and nothing is stored.
//
// a.Hash, a.Scope and at least one passage are required; otherwise Add
// returns an error wrapping corpus.ErrInvalid.
//
// Duplicates: an article duplicates a stored one with the same canonical
// URL (when not empty) or the same Hash in its own scope or in GlobalScope.
// So re-adding is idempotent, a server cannot re-add what every server
// already sees, and two servers may each add the same story privately. A
// global add only checks GlobalScope: a story one server added privately
// must not stop a feed from publishing it to everyone (that server then
// holds two copies). Add returns a *corpus.DuplicateError naming the stored
// article (errors.Is(err, corpus.ErrDuplicate)): a URL match is reported
// before a content match, and the global copy before the scope's own.
func (db *DB) Add(ctx context.Context, a *corpus.Article) (err error) {
	defer wrap(&err, "sqlite.Add")
	errs, err := db.addBatch(ctx, []*corpus.Article{a})
	if err != nil {
		return err
	}
	return errs[0]
}

// AddBatch adds many articles in one transaction, which is what makes bulk
// ingest fast: a commit costs far more than the rows of an article. Each
// article follows Add's rules (duplicates of stored articles and of
// earlier articles of the batch are reported, not stored); errs[i] is the
// error of as[i] (nil when stored, with its IDs set). err is not nil when
// the transaction failed, and then nothing of the batch is stored. Text is
// analysed on every core before the write transaction begins.
func (db *DB) AddBatch(ctx context.Context, as []*corpus.Article) (errs []error, err error) {
	defer wrap(&err, "sqlite.AddBatch(%d articles)", len(as))
	errs, err = db.addBatch(ctx, as)
	return prefixed(errs, "sqlite.AddBatch"), err
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
	defer wrap(&err, "sqlite.AddAnalysedBatch(%d articles)", len(as))
	errs = validate(as)
	if err := corpus.CheckBatchTerms(as, errs, terms); err != nil {
		return nil, err
	}
	errs, err = db.addAnalysed(ctx, as, errs, terms)
	return prefixed(errs, "sqlite.AddAnalysedBatch"), err
}

// validate is each article's error before any is written.
func validate(as []*corpus.Article) []error {
	errs := make([]error, len(as))
	for i, a := range as {
		errs[i] = corpus.ValidateStored(a)
	}
	return errs
}

// addBatch is AddBatch without the error prefixes (Add adds its own).
func (db *DB) addBatch(ctx context.Context, as []*corpus.Article) ([]error, error) {
	errs := validate(as)
	// Analyse outside the transaction: stemming is the slow part of an add
	// and must not hold the write lock.
	return db.addAnalysed(ctx, as, errs, db.an.ArticlesTerms(as, errs))
}

// addAnalysed writes the articles whose errs[i] is nil, with their terms,
// in one transaction, and fills in errs for the duplicates.
func (db *DB) addAnalysed(ctx context.Context, as []*corpus.Article, errs []error, terms []corpus.StoredTerms) ([]error, error) {
	added := db.Now().UTC().Truncate(time.Second)

	tx, err := db.write.BeginTx(ctx, nil) // BEGIN IMMEDIATE, see the DSN
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	st := db.addStmts.in(ctx, tx)

	ids := make([][]int64, len(as))
	articleIDs := make([]int64, len(as))
	for i, a := range as {
		if errs[i] != nil {
			continue
		}
		// A global article duplicates exactly what the unique indexes
		// on (url, scope) and (hash, scope) refuse, so it is inserted
		// without looking first and looked up only when refused: one
		// statement less per article on the single writer connection.
		// (The lookup was 2.8 of the writer's 20 CPU-s over 200,000
		// articles, but mostly reading index pages the insert then
		// found cached; the insert now reads them: 0.7-2.1 CPU-s saved
		// in two pairs of profiles, docs/BENCHMARKS.md.) An article of
		// a server's scope also duplicates global ones, which no index
		// refuses: it is looked up first.
		if a.Scope != corpus.GlobalScope {
			if err := checkDuplicate(ctx, st, a); err != nil {
				if !errors.Is(err, corpus.ErrDuplicate) {
					return nil, err
				}
				errs[i] = err
				continue
			}
		}
		if articleIDs[i], ids[i], err = db.insertArticle(ctx, st, a, terms[i], added); err != nil {
			var refused articleRefused
			if !errors.As(err, &refused) {
				return nil, err
			}
			// Nothing of a was written: its first row was refused.
			switch derr := checkDuplicate(ctx, st, a); {
			case errors.Is(derr, corpus.ErrDuplicate):
				errs[i] = derr
			case derr != nil:
				return nil, derr
			default:
				return nil, err // refused, yet no duplicate: report the refusal
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	for i, a := range as {
		if errs[i] != nil {
			continue
		}
		a.ID, a.AddedAt = articleIDs[i], added
		for j := range a.Passages {
			a.Passages[j].ID, a.Passages[j].ArticleID = ids[i][j], a.ID
		}
	}
	return errs, nil
}

// insertArticle writes a's rows and its change-log entry in tx and returns
// the new article and passage ids.
func (db *DB) insertArticle(ctx context.Context, st txStmts, a *corpus.Article, t corpus.StoredTerms, added time.Time) (int64, []int64, error) {
	var url any
	if a.URL != "" {
		url = a.URL
	}
	res, err := st.article.ExecContext(ctx,
		url, a.Title, a.Source, a.Author, unixOrNull(a.PublishedAt), added.Unix(), a.AddedBy, a.Scope, a.Hash, t.Title)
	if err != nil {
		if isUniqueViolation(err) {
			err = articleRefused{err}
		}
		return 0, nil, fmt.Errorf("insert article: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, nil, err
	}
	if _, err := st.body.ExecContext(ctx, id, a.Body); err != nil {
		return 0, nil, fmt.Errorf("insert body: %w", err)
	}
	ids, err := insertPassages(ctx, st, id, a.Body, a.Passages, t.Passages)
	if err != nil {
		return 0, nil, err
	}
	if err := db.logChange(ctx, st, id, corpus.ChangeAdd); err != nil {
		return 0, nil, err
	}
	return id, ids, nil
}

// logChange appends a change-log entry in st's transaction, so the change
// and its entry commit together.
func (db *DB) logChange(ctx context.Context, st txStmts, articleID int64, op corpus.ChangeOp) error {
	if _, err := st.change.ExecContext(ctx, articleID, string(op), db.Now().UnixNano()); err != nil {
		return fmt.Errorf("log change: %w", err)
	}
	return nil
}

// articleRefused is the error of an article row a unique index refused
// (its URL or hash is stored in its scope); nothing of the article was
// written, so its transaction can go on without it.
type articleRefused struct{ err error }

func (e articleRefused) Error() string { return e.err.Error() }
func (e articleRefused) Unwrap() error { return e.err }

// isUniqueViolation reports whether err is SQLite refusing a row that a
// unique index already holds. SQLite checks every constraint of a row
// before writing any of it, so the statement changed nothing.
func isUniqueViolation(err error) bool {
	var se *msqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}

// checkDuplicate returns a *corpus.DuplicateError if a would duplicate a
// stored article (see Add). It runs inside the write transaction, so no
// other add can slip in between the check and the insert.
func checkDuplicate(ctx context.Context, st txStmts, a *corpus.Article) error {
	var url any // NULL matches no article
	if a.URL != "" {
		url = a.URL
	}
	var byURL, byHash sql.NullInt64 // NULL: no match
	if err := st.dup.QueryRowContext(ctx, url, a.Hash, a.Scope).Scan(&byURL, &byHash); err != nil {
		return fmt.Errorf("check duplicate: %w", err)
	}
	switch {
	case byURL.Valid:
		return &corpus.DuplicateError{ExistingID: byURL.Int64, By: "url"}
	case byHash.Valid:
		return &corpus.DuplicateError{ExistingID: byHash.Int64, By: "content"}
	}
	return nil
}

// Get returns the article with its Body and Passages (in order), whatever
// its scope: callers check a.Scope against theirs. Returns
// corpus.ErrNotFound if there is no such article.
func (db *DB) Get(ctx context.Context, id int64) (_ *corpus.Article, err error) {
	defer wrap(&err, "sqlite.Get(%d)", id)
	return db.getWhere(ctx, `a.id = ?`, id)
}

// GetByURL returns the article with exactly this canonical URL, with its
// Body and Passages. When several scopes hold the URL it returns the global
// copy, else the earliest added. Returns corpus.ErrNotFound if none has it.
func (db *DB) GetByURL(ctx context.Context, url string) (_ *corpus.Article, err error) {
	defer wrap(&err, "sqlite.GetByURL(%q)", url)
	if url == "" {
		return nil, corpus.ErrNotFound
	}
	return db.getWhere(ctx, `a.url = ? ORDER BY a.scope = 'global' DESC, a.id LIMIT 1`, url)
}

// getWhere reads one article and its passages in one read transaction, so
// a concurrent Delete cannot leave an article without its passages.
func (db *DB) getWhere(ctx context.Context, where string, arg any) (*corpus.Article, error) {
	tx, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var a corpus.Article
	err = scanArticle(tx.QueryRowContext(ctx, `SELECT `+articleColumns+`, b.body FROM articles a JOIN article_bodies b ON b.article_id = a.id WHERE `+where, arg), &a, &a.Body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, corpus.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, seq, text, start_byte, end_byte FROM passages WHERE article_id = ? ORDER BY seq`, a.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		p := corpus.Passage{ArticleID: a.ID}
		var text string
		var start, end sql.NullInt64
		if err := rows.Scan(&p.ID, &p.Seq, &text, &start, &end); err != nil {
			return nil, err
		}
		if p.Text, err = passageText(a.Body, start, end, text); err != nil {
			return nil, fmt.Errorf("passage %d: %w", p.ID, err)
		}
		a.Passages = append(a.Passages, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return &a, nil
}

// Delete removes the article, its passages and their index entries in one
// transaction. Returns corpus.ErrNotFound if there is no such article.
func (db *DB) Delete(ctx context.Context, id int64) (err error) {
	defer wrap(&err, "sqlite.Delete(%d)", id)
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Passages go by ON DELETE CASCADE; the index follows the change log.
	if err := oneRow(tx.ExecContext(ctx, `DELETE FROM articles WHERE id = ?`, id)); err != nil {
		return err
	}
	if err := db.logChange(ctx, db.addStmts.in(ctx, tx), id, corpus.ChangeRemove); err != nil {
		return err
	}
	return tx.Commit()
}

// insertPassages writes an article's passages with their analysed terms
// in st's transaction (Add, Update and Rechunk share it) and returns the
// new passage ids. A passage is stored as its byte range of body (the
// article's body as stored) when its text is found there, see locate.
func insertPassages(ctx context.Context, st txStmts, articleID int64, body string, ps []corpus.Passage, terms []string) ([]int64, error) {
	ids := make([]int64, len(ps))
	stored := locate(body, ps)
	for i, p := range ps {
		sp := stored[i]
		res, err := st.passage.ExecContext(ctx, articleID, p.Seq, sp.text, terms[i], sp.start, sp.end)
		if err != nil {
			return nil, fmt.Errorf("insert passage %d: %w", p.Seq, err)
		}
		if ids[i], err = res.LastInsertId(); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// queryArticles runs a query selecting articleColumns on the read pool.
func (db *DB) queryArticles(ctx context.Context, query string, args ...any) ([]corpus.Article, error) {
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []corpus.Article
	for rows.Next() {
		var a corpus.Article
		if err := scanArticle(rows, &a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Latest returns the newest articles in q.Scopes (GlobalScope when empty),
// newest published first; articles without a published time come after
// all dated ones, newest added first. Body and Passages are left empty.
func (db *DB) Latest(ctx context.Context, q corpus.LatestQuery) (_ []corpus.Article, err error) {
	defer wrap(&err, "sqlite.Latest")
	n := q.N
	if n <= 0 {
		n = defaultLatestN
	}
	in, args := scopeArgs(q.Scopes)
	const order = ` ORDER BY published_at DESC NULLS LAST, added_at DESC, id DESC`
	// The sub-select orders index entries (see articles_scope_published);
	// only the n winners are read from the table.
	sub := `SELECT id FROM articles WHERE scope IN (` + in + `)`
	if q.Source != "" {
		sub += ` AND lower(source) = lower(?)`
		args = append(args, q.Source)
	}
	// corpus.Published's rule: From and To drop undated articles, Before
	// keeps them.
	if p := q.Published; !p.From.IsZero() {
		sub += ` AND published_at >= ?`
		args = append(args, p.From.Unix())
	}
	if p := q.Published; !p.To.IsZero() {
		sub += ` AND published_at < ?`
		args = append(args, p.To.Unix())
	}
	if p := q.Published; !p.Before.IsZero() {
		sub += ` AND (published_at IS NULL OR published_at <= ?)`
		args = append(args, p.Before.Unix())
	}
	sub += order + ` LIMIT ?`
	args = append(args, n)
	query := `SELECT ` + articleColumns + ` FROM articles a WHERE a.id IN (` + sub + `)` +
		` ORDER BY a.published_at DESC NULLS LAST, a.added_at DESC, a.id DESC`

	return db.queryArticles(ctx, query, args...)
}

// Stats describes the articles in scopes (GlobalScope when empty). Outlets
// are counted case-insensitively. NewestTitle is the title of the article
// Latest would list first, so it is the newest added one when no article
// has a published time.
func (db *DB) Stats(ctx context.Context, scopes []string) (_ corpus.Stats, err error) {
	defer wrap(&err, "sqlite.Stats")
	in, args := scopeArgs(scopes)
	var s corpus.Stats
	var oldest, newest sql.NullInt64
	var title sql.NullString
	// The scope list is bound three times, once per sub-select.
	all := append(append(append([]any{}, args...), args...), args...)
	err = db.read.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM articles a CROSS JOIN passages p ON p.article_id = a.id WHERE a.scope IN (`+in+`)),
		(SELECT title FROM articles a WHERE a.scope IN (`+in+`)
			ORDER BY a.published_at DESC NULLS LAST, a.added_at DESC, a.id DESC LIMIT 1),
		count(*), count(DISTINCT nullif(lower(source), '')), min(published_at), max(published_at)
		FROM articles WHERE scope IN (`+in+`)`, all...).
		Scan(&s.Passages, &title, &s.Articles, &s.Outlets, &oldest, &newest)
	if err != nil {
		return corpus.Stats{}, err
	}
	s.NewestTitle = title.String
	s.Oldest, s.Newest = timeOrZero(oldest), timeOrZero(newest)
	return s, nil
}

// Sources returns the distinct outlets of the articles in scopes
// (GlobalScope when empty), sorted case-insensitively; spellings that
// differ only in case are listed once.
func (db *DB) Sources(ctx context.Context, scopes []string) (_ []string, err error) {
	defer wrap(&err, "sqlite.Sources")
	in, args := scopeArgs(scopes)
	rows, err := db.read.QueryContext(ctx, `SELECT min(source) FROM articles
		WHERE scope IN (`+in+`) AND source != ''
		GROUP BY lower(source) ORDER BY lower(source)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
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
