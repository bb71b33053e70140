package storetest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/newsbot/newsbot/corpus"
)

// testFollows: adding follows within limits (per user, per server),
// listing by scope and channel, removing; a new follow's cursor is the
// newest change.
func testFollows(t *testing.T, s Store) {
	ctx := context.Background()
	mustAdd(t, s, article(t, "Before", "https://example.com/before", corpus.GlobalScope, day(1), "Something happened before the follow."))
	seq, err := s.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lim := corpus.FollowLimits{PerScope: 3, PerUser: 2}
	add := func(scope, channel, user, q string) (*corpus.Follow, error) {
		f := &corpus.Follow{Scope: scope, Frontend: "discord", ChannelID: channel, CreatedBy: user, Question: q}
		return f, s.AddFollow(ctx, f, lim)
	}
	a, err := add("g1", "c1", "u1", "What is the strike about?")
	if err != nil {
		t.Fatal(err)
	}
	if a.ID == 0 || a.CreatedAt.IsZero() || a.Cursor != seq {
		t.Errorf("AddFollow set %+v; want an id, a creation time and cursor %d", a, seq)
	}
	if _, err := add("g1", "c2", "u1", "Who won?"); err != nil {
		t.Fatal(err)
	}
	var le *corpus.FollowLimitError
	if _, err := add("g1", "c1", "u1", "A third?"); !errors.As(err, &le) || !le.PerUser || le.Max != 2 || !errors.Is(err, corpus.ErrFollowLimit) {
		t.Errorf("third follow of a user = %v; want the per-user limit of 2", err)
	}
	if _, err := add("g1", "c1", "u2", "Where?"); err != nil {
		t.Fatal(err)
	}
	if _, err := add("g1", "c1", "u3", "When?"); !errors.As(err, &le) || le.PerUser || le.Max != 3 {
		t.Errorf("fourth follow of a server = %v; want the per-server limit of 3", err)
	}
	if _, err := add("g2", "c9", "u1", "Elsewhere?"); err != nil {
		t.Errorf("a follow in another server = %v; want it allowed", err)
	}
	if _, err := add("g1", "c1", "u4", " "); !errors.Is(err, corpus.ErrInvalid) {
		t.Errorf("a follow without a question = %v; want ErrInvalid", err)
	}

	all, err := s.Follows(ctx, "g1", "")
	if err != nil || len(all) != 3 {
		t.Fatalf("Follows(g1) = %d, %v; want 3", len(all), err)
	}
	c1, err := s.Follows(ctx, "g1", "c1")
	if err != nil || len(c1) != 2 || c1[0].ID != a.ID || c1[0].Question != a.Question || c1[0].CreatedBy != "u1" {
		t.Fatalf("Follows(g1, c1) = %+v, %v; want the two of c1, oldest first", c1, err)
	}
	got, err := s.Follow(ctx, a.ID)
	if err != nil || got.ID != a.ID || got.Scope != "g1" || got.Frontend != "discord" || got.ChannelID != "c1" || !got.LastUpdateAt.IsZero() {
		t.Errorf("Follow(%d) = %+v, %v", a.ID, got, err)
	}
	if err := s.RemoveFollow(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Follow(ctx, a.ID); !errors.Is(err, corpus.ErrNotFound) {
		t.Errorf("Follow after RemoveFollow = %v; want ErrNotFound", err)
	}
	if err := s.RemoveFollow(ctx, a.ID); !errors.Is(err, corpus.ErrNotFound) {
		t.Errorf("RemoveFollow twice = %v; want ErrNotFound", err)
	}
	if _, err := add("g1", "c1", "u1", "Room again after a removal?"); err != nil {
		t.Errorf("follow after removing one = %v; want room for it", err)
	}
}

// testFollowClaims: a follow is claimed when the log moves past its
// cursor, by one owner at a time; recording a post claims its stories once
// per follow and advances the cursor in one step; a post recorded and not
// sent makes the follow due again; an ended lease loses the record;
// concurrent claims never hand one follow to two owners.
func testFollowClaims(t *testing.T, s Store) {
	ctx := context.Background()
	f := &corpus.Follow{Scope: corpus.GlobalScope, Frontend: "console", ChannelID: "console", CreatedBy: "console", Question: "What about the floods?"}
	if err := s.AddFollow(ctx, f, corpus.FollowLimits{}); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	const interval, lease = 10 * time.Minute, time.Minute
	claim := func(owner, frontend string, at time.Time, upTo int64) []int64 {
		t.Helper()
		fs, err := s.ClaimFollows(ctx, owner, frontend, at, upTo, interval, lease, 0)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, f := range fs {
			ids = append(ids, f.ID)
		}
		return ids
	}
	if got := claim("a", "console", now, f.Cursor); len(got) != 0 {
		t.Errorf("claim with no new changes = %v; want none", got)
	}
	up := f.Cursor + 5
	if got := claim("a", "discord", now, up); len(got) != 0 {
		t.Errorf("claim of another frontend = %v; want none", got)
	}
	if got := claim("a", "console", now, up); !slices.Equal(got, []int64{f.ID}) {
		t.Fatalf("claim = %v; want [%d]", got, f.ID)
	}
	if got := claim("b", "console", now.Add(time.Second), up); len(got) != 0 {
		t.Errorf("claim while leased to a = %v; want none", got)
	}
	if err := s.RecordFollow(ctx, "b", f.ID, up, now, 1, nil); !errors.Is(err, corpus.ErrLeaseLost) {
		t.Errorf("RecordFollow by a non-holder = %v; want ErrLeaseLost", err)
	}
	post := &corpus.FollowPost{Stories: []int64{7, 9}, Body: `{"text":"x"}`}
	if err := s.RecordFollow(ctx, "a", f.ID, up, now, 2.5, post); err != nil {
		t.Fatal(err)
	}
	if post.ID == 0 || !slices.Equal(post.Stories, []int64{7, 9}) {
		t.Errorf("recorded post = %+v; want an id and stories [7 9]", post)
	}
	got, err := s.Follow(ctx, f.ID)
	if err != nil || got.Cursor != up || !got.LastUpdateAt.Equal(now) || got.LastScore != 2.5 {
		t.Errorf("follow after RecordFollow = %+v, %v; want cursor %d, last update %v, score 2.5", got, err, up, now)
	}
	if sent, err := s.SentStories(ctx, f.ID, []int64{1, 7, 9}); err != nil || !slices.Equal(sent, []int64{7, 9}) {
		t.Errorf("SentStories = %v, %v; want [7 9]", sent, err)
	}
	// Pending: the follow is due at once for another owner once the lease
	// ends (the holder died before sending).
	if err := s.ReleaseFollow(ctx, "a", f.ID); err != nil {
		t.Fatal(err)
	}
	if got := claim("b", "console", now.Add(time.Second), up); !slices.Equal(got, []int64{f.ID}) {
		t.Fatalf("claim with a pending post = %v; want [%d]", got, f.ID)
	}
	pend, err := s.PendingFollowPosts(ctx, f.ID)
	if err != nil || len(pend) != 1 || pend[0].ID != post.ID || pend[0].Body != post.Body || !slices.Equal(pend[0].Stories, []int64{7, 9}) {
		t.Fatalf("PendingFollowPosts = %+v, %v; want the recorded post", pend, err)
	}
	if err := s.MarkFollowPostSent(ctx, post.ID, now.Add(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	if pend, err := s.PendingFollowPosts(ctx, f.ID); err != nil || len(pend) != 0 {
		t.Errorf("PendingFollowPosts after sending = %+v, %v; want none", pend, err)
	}
	// A story told already is not told again: a post of only such
	// stories is not stored, and the cursor still moves.
	again := &corpus.FollowPost{Stories: []int64{9}, Body: "again"}
	if err := s.RecordFollow(ctx, "b", f.ID, up+1, now.Add(3*time.Second), 3, again); err != nil {
		t.Fatal(err)
	}
	if again.ID != 0 {
		t.Errorf("a post of a story told already was stored as %d", again.ID)
	}
	if got, _ := s.Follow(ctx, f.ID); got.Cursor != up+1 || got.LastScore != 2.5 {
		t.Errorf("after a post of told stories: %+v; want cursor %d, last score unchanged", got, up+1)
	}
	if err := s.ReleaseFollow(ctx, "b", f.ID); err != nil {
		t.Fatal(err)
	}
	// Not due within the interval of the last update, due after it.
	if got := claim("a", "console", now.Add(time.Minute), up+9); len(got) != 0 {
		t.Errorf("claim within the interval = %v; want none", got)
	}
	if got := claim("a", "console", now.Add(interval), up+9); !slices.Equal(got, []int64{f.ID}) {
		t.Errorf("claim after the interval = %v; want [%d]", got, f.ID)
	}
	// The lease ends: another owner takes over, the first loses its record.
	later := now.Add(interval + 2*lease)
	if got := claim("b", "console", later, up+9); !slices.Equal(got, []int64{f.ID}) {
		t.Errorf("claim after the lease ended = %v; want [%d]", got, f.ID)
	}
	if err := s.RecordFollow(ctx, "a", f.ID, up+9, later, 1, nil); !errors.Is(err, corpus.ErrLeaseLost) {
		t.Errorf("RecordFollow after losing the lease = %v; want ErrLeaseLost", err)
	}
	if err := s.RemoveFollow(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkFollowPostSent(ctx, post.ID, later); !errors.Is(err, corpus.ErrNotFound) {
		t.Errorf("MarkFollowPostSent after the follow was removed = %v; want ErrNotFound", err)
	}

	// Many owners claiming at once: each follow goes to one.
	var ids []int64
	for i := range 6 {
		g := &corpus.Follow{Scope: corpus.GlobalScope, Frontend: "console", ChannelID: "c", CreatedBy: "u", Question: "q" + string(rune('a'+i))}
		if err := s.AddFollow(ctx, g, corpus.FollowLimits{}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, g.ID)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var claimed []int64
	for i := range 4 {
		wg.Go(func() {
			fs, err := s.ClaimFollows(ctx, string(rune('p'+i)), "console", later, up+100, interval, lease, 2)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, f := range fs {
				claimed = append(claimed, f.ID)
			}
		})
	}
	wg.Wait()
	slices.Sort(claimed)
	if !slices.Equal(claimed, ids) {
		t.Errorf("concurrent claims took %v; want each of %v once", claimed, ids)
	}
}
