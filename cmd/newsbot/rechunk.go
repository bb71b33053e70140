package main

import (
	"context"
	"fmt"
	"time"
)

// cmdRechunk splits the body of every stored article again with the
// current chunking rules (sqlite.DB.Rechunk): a database built by an older
// newsbot keeps the passages it was split into until then. With hybrid
// retrieval on, the re-split passages have lost their vectors, so it then
// embeds what is missing, as ingest embeds what it adds; an embedding
// failure is reported, not returned, and `newsbot embed` finishes the job.
func cmdRechunk(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "rechunk", "rechunk")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		fs.Usage()
		return fmt.Errorf("rechunk: unexpected argument %q", pos[0])
	}
	db, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	var progress func(done, total int)
	if isTerminal(e.stderr) {
		progress = func(done, total int) { fmt.Fprintf(e.stderr, "\rrechunking: %d/%d articles", done, total) }
	}
	start := time.Now()
	st, err := db.Rechunk(ctx, progress)
	if progress != nil {
		fmt.Fprint(e.stderr, "\r\033[K")
	}
	fmt.Fprintf(e.stdout, "rechunk: %d of %d articles re-split (%d -> %d passages) in %.1fs\n",
		st.Resplit, st.Articles, st.PassagesBefore, st.PassagesAfter, time.Since(start).Seconds())
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
