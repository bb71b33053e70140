package main

import (
	"context"
	"sync"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/corpus/postgres"
)

// rateHitsPruneEvery is how often a process over PostgreSQL deletes the
// rate limiter's expired rows of keys nobody checks again; the table stays
// about one window of questions long.
const rateHitsPruneEvery = 10 * time.Minute

// newRateLimiter returns the question rate limiter for st: over PostgreSQL
// (several processes) a limiter counting in the database, so the rates hold
// across processes, with a loop pruning its expired rows until ctx ends;
// over SQLite (one process) nil, which the frontend takes as its in-memory
// limiter. stop ends the loop and waits for it.
func newRateLimiter(ctx context.Context, e *env, st store) (_ bot.RateLimiter, stop func(), err error) {
	db, ok := st.(*postgres.DB)
	if !ok {
		return nil, func() {}, nil
	}
	userMax, serverMax := e.cfg.UserPerMinute, e.cfg.ServerPerMinute
	if userMax <= 0 {
		userMax = bot.DefaultUserPerMinute
	}
	if serverMax <= 0 {
		serverMax = bot.DefaultServerPerMinute
	}
	l, err := postgres.NewLimiter(db, userMax, serverMax, bot.LimiterWindow)
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(rateHitsPruneEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := l.Prune(ctx); err != nil && ctx.Err() == nil {
					e.log.Warn("prune rate limiter rows", "err", err)
				}
			}
		}
	})
	e.log.Debug("rate limits shared through PostgreSQL", "user_per_minute", userMax, "server_per_minute", serverMax)
	return l, func() { cancel(); wg.Wait() }, nil
}
