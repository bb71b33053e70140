package discord

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bwmarrin/discordgo"
)

// identifyInterval is Discord's identify rate limit: each of the
// max_concurrency buckets (shard id % max_concurrency) may start one
// session per 5 s.
const identifyInterval = 5 * time.Second

// maxAutoShards bounds what GET /gateway/bot may ask one process to run: a
// bot in millions of servers (1,000 shards) is past what one process
// should hold, and a bad answer must not make it open sessions forever.
const maxAutoShards = 1024

// Sharding says which gateway shards a process runs. Discord requires
// sharding from 2,500 servers: each shard receives the events of the
// servers whose (server id >> 22) % Count is its ID, and the direct
// messages go to shard 0.
type Sharding struct {
	// Auto asks Discord's GET /gateway/bot how many shards to run and runs
	// them all in this process, identifying at most max_concurrency of
	// them per 5 s. ID and Count must then be zero.
	Auto bool
	// ID and Count run the one shard ID of Count (DISCORD_SHARD_ID and
	// DISCORD_SHARD_COUNT), so several processes split the servers between
	// them. Count 0 means one unsharded session (as Count 1).
	ID, Count int
}

// Validate reports settings Discord would refuse, in the words of the
// settings that hold them.
func (s Sharding) Validate() error {
	switch {
	case s.Auto && s.ID != 0:
		return errors.New("DISCORD_SHARD_ID must be unset with DISCORD_SHARD_COUNT=auto: one process then runs every shard")
	case s.Count < 0:
		return fmt.Errorf("DISCORD_SHARD_COUNT %d: want a positive number or auto", s.Count)
	case s.ID < 0:
		return fmt.Errorf("DISCORD_SHARD_ID %d: want 0 or more", s.ID)
	case s.Count == 0 && s.ID != 0:
		return fmt.Errorf("DISCORD_SHARD_ID %d needs DISCORD_SHARD_COUNT (the total number of shards)", s.ID)
	case s.Count > 0 && s.ID >= s.Count:
		return fmt.Errorf("DISCORD_SHARD_ID %d must be below DISCORD_SHARD_COUNT %d (shard ids run from 0)", s.ID, s.Count)
	}
	return nil
}

// shardSessions returns the gateway sessions this process runs and how many
// of them may identify at once: the frontend's own session for an explicit
// shard (or none), or one session per shard that GET /gateway/bot asks for
// in auto mode, the first being the frontend's own.
func (f *Frontend) shardSessions(ctx context.Context) (_ []*discordgo.Session, maxConcurrency int, err error) {
	if !f.cfg.Shards.Auto {
		return []*discordgo.Session{f.s}, 1, nil
	}
	gb, err := f.s.GatewayBot(discordgo.WithContext(ctx))
	if err != nil {
		return nil, 0, fmt.Errorf("discord: DISCORD_SHARD_COUNT=auto: ask the gateway how many shards: %w", err)
	}
	n, conc := gb.Shards, gb.SessionStartLimit.MaxConcurrency
	if n < 1 || n > maxAutoShards {
		return nil, 0, fmt.Errorf("discord: DISCORD_SHARD_COUNT=auto: the gateway asks for %d shards; want 1 to %d", n, maxAutoShards)
	}
	if conc < 1 {
		conc = 1 // Discord's value for every bot below "large bot" sharding
	}
	sessions := []*discordgo.Session{f.s}
	for range n - 1 {
		s, err := f.newSession()
		if err != nil {
			return nil, 0, err
		}
		sessions = append(sessions, s)
	}
	for i, s := range sessions {
		s.ShardID, s.ShardCount = i, n
	}
	f.log.InfoContext(ctx, "sharding from the gateway's answer", "shards", n, "max_concurrency", conc)
	return sessions, conc, nil
}

// openShards opens the sessions in groups of maxConcurrency, one group per
// identifyInterval, and waits for each READY. It returns the sessions
// opened (to close) and the first READY; with ctx done it returns a nil
// READY and no error.
func (f *Frontend) openShards(ctx context.Context, sessions []*discordgo.Session, maxConcurrency int) (opened []*discordgo.Session, first *discordgo.Ready, err error) {
	for start := 0; start < len(sessions); start += maxConcurrency {
		if start > 0 {
			t := time.NewTimer(f.identifyInterval)
			select {
			case <-ctx.Done():
				t.Stop()
				return opened, nil, nil
			case <-t.C:
			}
		}
		group := sessions[start:min(start+maxConcurrency, len(sessions))]
		readies := make([]chan *discordgo.Ready, len(group))
		for i, s := range group {
			readies[i] = make(chan *discordgo.Ready, 1)
			s.AddHandlerOnce(func(_ *discordgo.Session, r *discordgo.Ready) { readies[i] <- r })
			s.AddHandler(f.onReady)
			s.AddHandler(f.onInteraction)
			s.AddHandler(f.onMessage)
			if err := s.Open(); err != nil {
				return opened, nil, fmt.Errorf("discord: connect shard %d of %d: %w", s.ShardID, max(s.ShardCount, 1), err)
			}
			opened = append(opened, s)
		}
		timeout := time.NewTimer(readyTimeout)
		for i, ch := range readies {
			select {
			case r := <-ch:
				if first == nil {
					first = r
				}
			case <-ctx.Done():
				timeout.Stop()
				return opened, nil, nil
			case <-timeout.C:
				s := group[i]
				return opened, nil, fmt.Errorf("discord: no READY from the gateway for shard %d of %d within %v", s.ShardID, max(s.ShardCount, 1), readyTimeout)
			}
		}
		timeout.Stop()
	}
	return opened, first, nil
}

// registersCommands reports whether this process registers the commands:
// only the one running shard 0, so N processes do not overwrite them N
// times (each overwrite counts against Discord's daily command limit).
func (f *Frontend) registersCommands() bool {
	return f.cfg.Shards.Auto || f.cfg.Shards.ID == 0
}
