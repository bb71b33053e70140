//go:build slow

package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/follow"
	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/ingest"
	"github.com/newsbot/newsbot/corpus/sqlite"
)

// benchFollows is a server's default limit of follows: the most one
// server's channels may follow.
const benchFollows = bot.DefaultFollowsPerServer

// discard is a frontend that drops the updates (the benchmark times the
// worker, not a channel).
type discard struct{ n int }

func (d *discard) PostFollowUpdate(context.Context, corpus.Follow, bot.FollowUpdate) error {
	d.n++
	return nil
}

// BenchmarkFollowTick times the follow worker over the first 5,000
// Reuters-21578 articles with 25 follows (questions made from titles):
//
//   - idle: a tick with no new change, what every serving process does
//     every second: one claim that finds nothing, whatever the corpus size;
//   - new-article: a tick after one new article (an existing one's text
//     under a new title), when every follow is due: 25 retrievals of the
//     followed questions, each considering only that article.
//
// go test -tags slow ./cmd/newsbot -run '^$' -bench BenchmarkFollowTick -benchtime 200x
func BenchmarkFollowTick(b *testing.B) {
	needReuters(b)
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "r.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	subset := reutersSubset(b, 5000)
	if _, err := ingest.Paths(ctx, db, []string{subset}, ingest.Options{AddedBy: "bench"}); err != nil {
		b.Fatal(err)
	}
	// No snapshot: the test's index lives in memory only.
	e := &env{log: slog.New(slog.DiscardHandler), cfg: config{IndexSnapshot: "off"}}
	// The index without serveIndex's grouper, which would group the
	// 5,000 articles in the background while the ticks are timed.
	idx := newCorpusIndex(e, db)
	live, err := idx.open(ctx)
	if err != nil {
		b.Fatal(err)
	}
	bt, _ := newBot(e, db, idx)
	bt.SetFollows(db, corpus.FollowLimits{PerScope: benchFollows, PerUser: benchFollows})
	for _, q := range titleQuestions(ctx, b, db, benchFollows) {
		if _, err := bt.Follow(ctx, operator, bot.Channel{Frontend: "bench", ID: "c"}, q.text); err != nil {
			b.Fatal(err)
		}
	}
	clock := time.Now()
	post := &discard{}
	w := follow.New(db, bt, post, idx, follow.Options{Frontend: "bench", Interval: time.Minute, Now: func() time.Time { return clock }})

	b.Run("idle", func(b *testing.B) {
		for range b.N {
			if _, err := w.RunOnce(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	src, err := db.Latest(ctx, corpus.LatestQuery{N: 500})
	if err != nil {
		b.Fatal(err)
	}
	added := 0 // across the runs b.Run makes with growing b.N
	b.Run("new-article", func(b *testing.B) {
		posts := post.n
		for range b.N {
			i := added
			added++
			b.StopTimer()
			orig, err := db.Get(ctx, src[i%len(src)].ID)
			if err != nil {
				b.Fatal(err)
			}
			a := &corpus.Article{Scope: corpus.GlobalScope, Title: orig.Title + fmt.Sprintf(" (update %d)", i), Source: "Bench",
				URL: fmt.Sprintf("https://bench.example/%d", i), Body: orig.Body + fmt.Sprintf("\n\nUpdate %d.", i), AddedBy: "bench", PublishedAt: orig.PublishedAt}
			if err := corpus.Prepare(a); err != nil {
				b.Fatal(err)
			}
			if err := db.Add(ctx, a); err != nil {
				b.Fatal(err)
			}
			if _, err := db.SetStory(ctx, a.ID, a.ID); err != nil {
				b.Fatal(err)
			}
			if err := live.Refresh(ctx); err != nil {
				b.Fatal(err)
			}
			clock = clock.Add(time.Minute) // every follow due
			b.StartTimer()
			if _, err := w.RunOnce(ctx); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(post.n-posts)/float64(b.N), "posts/op")
		b.ReportMetric(float64(benchFollows), "follows")
	})
}

// reutersSubset writes the first n Reuters-21578 records to a jsonl file
// and returns its path.
func reutersSubset(b *testing.B, n int) string {
	b.Helper()
	in, err := os.Open(filepath.Join(reutersDir, "reuters21578.jsonl.gz"))
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	zr, err := gzip.NewReader(in)
	if err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(b.TempDir(), "reuters.jsonl")
	f, err := os.Create(out)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for i := 0; i < n && sc.Scan(); i++ {
		if _, err := f.Write(append(sc.Bytes(), '\n')); err != nil {
			b.Fatal(err)
		}
	}
	if err := sc.Err(); err != nil {
		b.Fatal(err)
	}
	return out
}
