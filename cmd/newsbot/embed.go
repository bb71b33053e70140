package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/newsbot/newsbot/bot/console"
	"github.com/newsbot/newsbot/bot/llm"
	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/retrieval"
	"github.com/newsbot/newsbot/retrieval/index"
)

// Hybrid retrieval wiring: with NEWSBOT_EMBED_MODEL set, passages are
// embedded when articles are added (the bot's /add and the feed poller
// through withEmbeddings, the CLI's ingest through embedAdded), `newsbot
// embed` fills in what is missing, and retrieval fuses vector and lexical
// rankings. An embedding failure never fails an add: the passages stay
// without vectors (still found lexically) until `newsbot embed`.

// addEmbedTimeout bounds embedding one added article's passages: a
// moderator's /add waits for it, and a passage left out is only a backfill
// away.
const addEmbedTimeout = 10 * time.Second

// newEmbedder returns the embeddings client, or nil when hybrid retrieval
// is off.
func newEmbedder(e *env) *llm.EmbedClient {
	if e.cfg.EmbedModel == "" {
		return nil
	}
	return llm.NewEmbedClient(llm.EmbedConfig{
		BaseURL: e.cfg.EmbedBaseURL,
		APIKey:  e.cfg.EmbedAPIKey,
		Model:   e.cfg.EmbedModel,
		Logger:  e.log,
	})
}

// hybrid returns the retrieval options of hybrid retrieval over db, or nil
// when it is off. The vector index loads the model's vectors at the first
// question and follows the change log from there, as the lexical index
// does.
func hybrid(e *env, db store) *retrieval.Vectors {
	emb := newEmbedder(e)
	if emb == nil {
		return nil
	}
	return &retrieval.Vectors{Embedder: emb, Index: index.NewVectors(db, emb.Model(), e.log), Logger: e.log}
}

// embedText is what is embedded for a passage: the headline says what the
// story is about, as the title column does for the lexical index.
func embedText(title, text string) string { return title + "\n\n" + text }

// embeddingStore is the store with each added or updated article's
// passages embedded after the write.
type embeddingStore struct {
	store
	emb *llm.EmbedClient // nil: hybrid retrieval off, writes pass through
	e   *env
}

// withEmbeddings wraps db for the bot and the feed poller.
func withEmbeddings(e *env, db store) *embeddingStore {
	return &embeddingStore{store: db, emb: newEmbedder(e), e: e}
}

// Add stores a and embeds its passages; see sqlite.DB.Add.
func (s *embeddingStore) Add(ctx context.Context, a *corpus.Article) error {
	if err := s.store.Add(ctx, a); err != nil {
		return err
	}
	s.embed(ctx, a)
	return nil
}

// AddBatch stores as in one transaction and embeds the passages of those
// stored; see sqlite.DB.AddBatch.
func (s *embeddingStore) AddBatch(ctx context.Context, as []*corpus.Article) ([]error, error) {
	errs, err := s.store.AddBatch(ctx, as)
	return s.embedStored(ctx, as, errs, err)
}

// AddAnalysedBatch is AddBatch for a batch bulk ingest has analysed; see
// sqlite.DB.AddAnalysedBatch.
func (s *embeddingStore) AddAnalysedBatch(ctx context.Context, as []*corpus.Article, terms []corpus.StoredTerms) ([]error, error) {
	errs, err := s.store.AddAnalysedBatch(ctx, as, terms)
	return s.embedStored(ctx, as, errs, err)
}

// embedStored embeds the passages of the articles of as a batch stored
// (errs[i] nil) and passes on the batch's outcome.
func (s *embeddingStore) embedStored(ctx context.Context, as []*corpus.Article, errs []error, err error) ([]error, error) {
	if err != nil || s.emb == nil {
		return errs, err
	}
	for i, a := range as {
		if errs[i] == nil {
			s.embed(ctx, a)
		}
	}
	return errs, nil
}

// Update replaces a's content and embeds its new passages; see
// sqlite.DB.Update.
func (s *embeddingStore) Update(ctx context.Context, a *corpus.Article) error {
	if err := s.store.Update(ctx, a); err != nil {
		return err
	}
	s.embed(ctx, a)
	return nil
}

// embed saves the vectors of a's passages, logging a failure.
func (s *embeddingStore) embed(ctx context.Context, a *corpus.Article) {
	if s.emb == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, addEmbedTimeout)
	defer cancel()
	texts := make([]string, len(a.Passages))
	for i, p := range a.Passages {
		texts[i] = embedText(a.Title, p.Text)
	}
	err := s.save(ctx, texts, func(i int) int64 { return a.Passages[i].ID })
	if err != nil {
		s.e.log.WarnContext(ctx, "embedding an added article failed; `newsbot embed` will fill it in",
			"article", a.ID, "passages", len(a.Passages), "err", err)
	}
}

// save embeds texts and stores the vectors under the passage ids id(i).
func (s *embeddingStore) save(ctx context.Context, texts []string, id func(i int) int64) error {
	vecs, err := s.emb.Embed(ctx, texts)
	if err != nil {
		return err
	}
	m := make(map[int64][]float32, len(vecs))
	for i, v := range vecs {
		m[id(i)] = v
	}
	return s.store.SaveVectors(ctx, s.emb.Model(), m)
}

// backfill embeds the passages with an id above after that lack a vector of
// the model, batch at a time, calling progress (if not nil) after each
// batch. It returns how many it embedded; on error those stay saved.
func (s *embeddingStore) backfill(ctx context.Context, after int64, batch int, progress func(done int)) (int, error) {
	done := 0
	for {
		ps, err := s.store.PassagesWithoutVectors(ctx, s.emb.Model(), after, batch)
		if err != nil || len(ps) == 0 {
			return done, err
		}
		texts := make([]string, len(ps))
		for i, p := range ps {
			texts[i] = embedText(p.Title, p.Text)
		}
		if err := s.save(ctx, texts, func(i int) int64 { return ps[i].ID }); err != nil {
			return done, err
		}
		done += len(ps)
		after = ps[len(ps)-1].ID
		if progress != nil {
			progress(done)
		}
	}
}

// embedAdded runs an ingest and then embeds the passages it added, those
// with ids above the highest before it, in batches: one request per
// DefaultEmbedBatch passages instead of one per article. Embedding failures
// are reported, not returned: the articles are in.
func embedAdded(ctx context.Context, e *env, ingest func() error) error {
	if e.cfg.EmbedModel == "" {
		return ingest()
	}
	db, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	before, err := db.MaxPassageID(ctx)
	if err != nil {
		return err
	}
	ingestErr := ingest()
	embedMissing(ctx, e, db, before)
	return ingestErr
}

// embedMissing embeds the passages with an id above after that lack a
// vector of the configured model, and prints how many. A failure is
// reported, not returned: the articles are stored either way, and `newsbot
// embed` fills in the rest.
func embedMissing(ctx context.Context, e *env, db store, after int64) {
	s := withEmbeddings(e, db)
	start := time.Now()
	n, err := s.backfill(ctx, after, llm.DefaultEmbedBatch, nil)
	if err != nil {
		e.log.Warn("embedding passages failed; run `newsbot embed` to fill them in", "embedded", n, "err", err)
		fmt.Fprintf(e.stdout, "embedded %s; the rest failed (%v): run `newsbot embed`\n", console.Plural(n, "passage"), err)
	} else if n > 0 {
		fmt.Fprintf(e.stdout, "embedded %s in %.1fs\n", console.Plural(n, "passage"), time.Since(start).Seconds())
	}
}

// cmdEmbed backfills the embeddings missing for the configured model.
func cmdEmbed(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "embed", "embed [--batch N]")
	batch := fs.Int("batch", llm.DefaultEmbedBatch, "passages per embeddings request")
	if _, err := fs.parse(args); err != nil {
		return err
	}
	if *batch < 1 {
		return fs.fail("--batch %d: want at least 1", *batch)
	}
	if e.cfg.EmbedModel == "" {
		return errors.New("embed: NEWSBOT_EMBED_MODEL is not set (e.g. text-embedding-3-small, or nomic-embed-text on Ollama)")
	}
	db, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	s := withEmbeddings(e, db)
	s.emb = llm.NewEmbedClient(llm.EmbedConfig{BaseURL: e.cfg.EmbedBaseURL, APIKey: e.cfg.EmbedAPIKey,
		Model: e.cfg.EmbedModel, Batch: *batch, Logger: e.log})
	total, err := db.CountPassagesWithoutVectors(ctx, e.cfg.EmbedModel, 0)
	if err != nil {
		return err
	}
	status := newStatus(e)
	start := time.Now()
	n, err := s.backfill(ctx, 0, *batch, func(done int) { status.Printf("embedding: %d/%d passages", done, total) })
	status.Clear()
	fmt.Fprintf(e.stdout, "embedded %s in %.1fs (model %s)\n", console.Plural(n, "passage"), time.Since(start).Seconds(), e.cfg.EmbedModel)
	if err != nil {
		return fmt.Errorf("embed: stopped after %d of %d passages (run it again to go on): %w", n, total, err)
	}
	return nil
}
