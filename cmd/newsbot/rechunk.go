package main

import (
	"context"
	"fmt"
	"time"

	"github.com/newsbot/newsbot/bot/console"
)

// cmdRechunk splits the body of every stored article again with the
// current chunking rules (sqlite.DB.Rechunk): a database built by an older
// newsbot keeps the passages it was split into until then. With hybrid
// retrieval on, the re-split passages have lost their vectors, so it then
// embeds what is missing, as ingest embeds what it adds; an embedding
// failure is reported, not returned, and `newsbot embed` finishes the job.
func cmdRechunk(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "rechunk", "rechunk")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fs.fail("unexpected argument %q", pos[0])
	}
	db, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	status := newStatus(e)
	start := time.Now()
	st, err := db.Rechunk(ctx, func(done, total int) { status.Printf("rechunking: %d/%d articles", done, total) })
	status.Clear()
	fmt.Fprintf(e.stdout, "rechunk: %d of %s re-split (%d -> %s) in %.1fs\n",
		st.Resplit, console.Plural(st.Articles, "article"), st.PassagesBefore, console.Plural(st.PassagesAfter, "passage"), time.Since(start).Seconds())
	if err != nil {
		return fmt.Errorf("rechunk: stopped (run it again to go on): %w", err)
	}
	if e.cfg.EmbedModel != "" {
		// From id 0: a re-split article's new passages may reuse the ids
		// of its old ones (SQLite hands out max(id)+1), and a run stopped
		// earlier may have left passages without vectors that this run
		// did not re-split. Nothing missing costs one query.
		embedMissing(ctx, e, db, 0)
	}
	return nil
}
