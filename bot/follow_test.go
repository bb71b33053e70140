package bot

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/newsbot/newsbot/bot/llm"
	"github.com/newsbot/newsbot/bot/llm/llmtest"
	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/retrieval"
)

// memFollows is a FollowStore in memory, with the limits of the stores.
type memFollows struct {
	fs   []corpus.Follow
	next int64
}

func (m *memFollows) AddFollow(_ context.Context, f *corpus.Follow, lim corpus.FollowLimits) error {
	n, u := 0, 0
	for _, g := range m.fs {
		if g.Scope == f.Scope {
			n++
			if g.CreatedBy == f.CreatedBy {
				u++
			}
		}
	}
	if u >= lim.PerUser {
		return &corpus.FollowLimitError{PerUser: true, Max: lim.PerUser}
	}
	if n >= lim.PerScope {
		return &corpus.FollowLimitError{Max: lim.PerScope}
	}
	m.next++
	f.ID = m.next
	m.fs = append(m.fs, *f)
	return nil
}

func (m *memFollows) Follow(_ context.Context, id int64) (corpus.Follow, error) {
	for _, f := range m.fs {
		if f.ID == id {
			return f, nil
		}
	}
	return corpus.Follow{}, corpus.ErrNotFound
}

func (m *memFollows) Follows(_ context.Context, scope, channel string) ([]corpus.Follow, error) {
	var out []corpus.Follow
	for _, f := range m.fs {
		if f.Scope == scope && (channel == "" || f.ChannelID == channel) {
			out = append(out, f)
		}
	}
	return out, nil
}

func (m *memFollows) RemoveFollow(_ context.Context, id int64) error {
	for i, f := range m.fs {
		if f.ID == id {
			m.fs = append(m.fs[:i], m.fs[i+1:]...)
			return nil
		}
	}
	return corpus.ErrNotFound
}

func TestFollowCommands(t *testing.T) {
	ctx := context.Background()
	b := New(&fakeRetriever{}, nil, nil, Options{})
	if _, err := b.Follow(ctx, Actor{UserID: "1", ServerID: "g"}, Channel{"discord", "c1"}, "rail strike"); !errors.Is(err, ErrNoFollows) {
		t.Errorf("Follow without a store = %v; want ErrNoFollows", err)
	}
	st := &memFollows{}
	b.SetFollows(st, corpus.FollowLimits{PerScope: 3, PerUser: 2})
	alice, bob := Actor{UserID: "1", ServerID: "g"}, Actor{UserID: "2", ServerID: "g"}
	mod := Actor{UserID: "3", ServerID: "g", Moderator: true}
	here := Channel{"discord", "c1"}

	bad := []struct {
		name, q string
		want    string
	}{
		{"empty", "  ", "Please ask a question"},
		{"punctuation", "?!", "Please ask a question"},
		{"long", strings.Repeat("strike ", 60), "at most 300"},
		// One pasted run of characters has no word the analyser keeps, but
		// its length is what the person can act on.
		{"long one word", strings.Repeat("x", 400), "at most 300"},
	}
	for _, tc := range bad {
		_, err := b.Follow(ctx, alice, here, tc.q)
		if msg, ok := UserMessage(err); !ok || !strings.Contains(msg, tc.want) {
			t.Errorf("Follow(%s) = %v (%q); want %q", tc.name, err, msg, tc.want)
		}
	}
	f1, err := b.Follow(ctx, alice, here, "  what is the  rail strike about? ")
	if err != nil || f1.Question != "what is the rail strike about?" || f1.CreatedBy != "discord:1" || f1.Scope != "g" {
		t.Fatalf("Follow = %+v, %v", f1, err)
	}
	// The same question again in the channel would post every update
	// twice there: refused, naming the follow it repeats. Another channel
	// may follow it.
	_, err = b.Follow(ctx, bob, here, "What is the rail STRIKE   about?")
	if msg, _ := UserMessage(err); !strings.Contains(msg, "already follows") || !strings.Contains(msg, "#1") {
		t.Errorf("the same question again in the channel: %v (%q); want a refusal naming #1", err, msg)
	}
	if _, err := b.Follow(ctx, alice, Channel{"discord", "c2"}, "floods"); err != nil {
		t.Fatal(err)
	}
	_, err = b.Follow(ctx, alice, here, "a third")
	if msg, _ := UserMessage(err); !strings.Contains(msg, "you already follow 2") {
		t.Errorf("third follow of a user: %q; want the per-user limit", msg)
	}
	if _, err := b.Follow(ctx, bob, here, "elections"); err != nil {
		t.Fatal(err)
	}
	_, err = b.Follow(ctx, mod, here, "one too many")
	if msg, _ := UserMessage(err); !strings.Contains(msg, "this server already follows 3") {
		t.Errorf("fourth follow of a server: %q; want the per-server limit", msg)
	}

	if fs, err := b.Following(ctx, bob, "c1", "c1"); err != nil || len(fs) != 2 {
		t.Errorf("Following(c1) = %d, %v; want 2", len(fs), err)
	}
	if _, err := b.Following(ctx, bob, "c1", "c2"); err == nil {
		t.Error("a member listed another channel's follows")
	}
	if fs, err := b.Following(ctx, mod, "c1", "c2"); err != nil || len(fs) != 1 {
		t.Errorf("moderator Following(c2) = %d, %v; want 1", len(fs), err)
	}
	if fs, err := b.Following(ctx, mod, "c1", ""); err != nil || len(fs) != 3 {
		t.Errorf("moderator Following(all) = %d, %v; want 3", len(fs), err)
	}

	_, err = b.Unfollow(ctx, bob, f1.ID)
	if msg, _ := UserMessage(err); !strings.Contains(msg, "someone else's") {
		t.Errorf("member unfollowing another's follow: %v; want refused", err)
	}
	if _, err := b.Unfollow(ctx, Actor{UserID: "1", ServerID: "other"}, f1.ID); !errors.Is(err, corpus.ErrNotFound) {
		t.Errorf("unfollow from another server = %v; want not found", err)
	}
	if _, err := b.Unfollow(ctx, alice, f1.ID); err != nil {
		t.Errorf("creator unfollowing = %v", err)
	}
	if _, err := b.Unfollow(ctx, mod, 3); err != nil {
		t.Errorf("moderator unfollowing bob's = %v", err)
	}
	if _, err := b.Unfollow(ctx, mod, 3); !errors.Is(err, corpus.ErrNotFound) {
		t.Errorf("unfollow twice = %v; want not found", err)
	}
}

func TestFollowUpdate(t *testing.T) {
	ctx := context.Background()
	created := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	f := corpus.Follow{ID: 7, Scope: "g", Question: "Which country has recognised the Taliban government recently?", CreatedAt: created}
	res := talibanResult()
	copyHit := hit(3, "Russia recognises Taliban (copy)", "Wire", "Russia is the only country known to have recently recognised the Taliban administration, officials said.")
	copyHit.Score = 9.5
	res.Hits = append(res.Hits, copyHit)
	r := &fakeRetriever{res: res}
	b := New(r, nil, nil, Options{Now: func() time.Time { return asOf }})

	tests := []struct {
		name      string
		fresh     map[int64]int64
		lastScore float64
		conf      float64
		want      bool
		stories   []int64
	}{
		{"no new articles", nil, 0, 0.8, false, nil},
		{"an old article only among the hits", map[int64]int64{99: 99}, 0, 0.8, false, nil},
		{"a new article", map[int64]int64{1: 1}, 0, 0.8, true, []int64{1}},
		{"two copies of one new story: told once", map[int64]int64{1: 1, 3: 1}, 0, 0.8, true, []int64{1}},
		{"not confident", map[int64]int64{1: 1}, 0, 0.1, false, nil},
		{"far below what was last told", map[int64]int64{1: 1}, 40, 0.8, false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r.res.Confidence = tc.conf
			g := f
			g.LastScore = tc.lastScore
			u, ok, err := b.FollowUpdate(ctx, g, tc.fresh)
			if err != nil || ok != tc.want {
				t.Fatalf("FollowUpdate = %+v, %v, %v; want ok %v", u, ok, err, tc.want)
			}
			if !ok {
				return
			}
			if !equalIDs(u.Stories, tc.stories) || len(u.Sources) != 1 || u.Sources[0].ArticleID != 1 {
				t.Errorf("update stories %v sources %+v; want stories %v citing article 1", u.Stories, u.Sources, tc.stories)
			}
			if !strings.HasPrefix(u.Text, "Russia is the only country") || !strings.HasSuffix(u.Text, "[1]") || !u.Since.Equal(created) || u.Score != 10 {
				t.Errorf("update = %+v; want the Russia sentence cited [1], since the follow's creation, score 10", u)
			}
			if req := r.got[len(r.got)-1]; len(req.Scopes) != 2 || req.Scopes[1] != "g" || req.Question != f.Question {
				t.Errorf("retrieval request %+v; want the question in the follow's scopes", req)
			}
		})
	}
}

func TestGroundedSentences(t *testing.T) {
	a := Answer{
		Sources: []Source{{N: 1, ArticleID: 10}, {N: 2, ArticleID: 20}, {N: 3, ArticleID: 30}},
		Sentences: []Sentence{
			{Text: "Uncited claim. ⚠", Sources: nil},
			{Text: "First [2].", Sources: []int{2}},
			{Text: "Second [3][2].", Sources: []int{3, 2}},
			{Text: "Third [1].", Sources: []int{1}},
		},
	}
	got := groundedSentences(a, 2)
	if got.Text != "First [1]. Second [2][1]." || len(got.Sources) != 2 || got.Sources[0].ArticleID != 20 || got.Sources[1].ArticleID != 30 || got.Sources[1].N != 2 {
		t.Errorf("groundedSentences = %q %+v", got.Text, got.Sources)
	}
}

// TestFollowUpdateLLM: with a language model the update is composed from
// the new articles' passages only, its citations checked and uncited
// sentences dropped; a refusal makes no update; a failing model falls back
// to quoting.
func TestFollowUpdateLLM(t *testing.T) {
	f := corpus.Follow{ID: 7, Scope: "g", Question: "Which country has recognised the Taliban government recently?", CreatedAt: asOf}
	tests := []struct {
		name  string
		reply llmtest.Reply
		ok    bool
		text  string
		mode  Mode
	}{
		{"cited", llmtest.Reply{Chunks: []string{"Russia has recognised the Taliban administration [1]."}}, true, "Russia has recognised the Taliban administration [1].", ModeLLM},
		{"uncited sentence dropped", llmtest.Reply{Chunks: []string{"Some say many will follow. Russia has recognised it [1]."}}, true, "Russia has recognised it [1].", ModeLLM},
		{"refusal", llmtest.Reply{Chunks: []string{"The news corpus does not cover this."}}, false, "", ModeLLM},
		{"provider error", llmtest.Reply{Status: 400}, true, "Russia is the only country", ModeExtractive},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := llmtest.New(t, func(int, openai.ChatCompletionRequest) llmtest.Reply { return tc.reply })
			model := llm.New(llm.Config{BaseURL: srv.BaseURL(), Model: "fake", Timeout: 5 * time.Second})
			b := New(&fakeRetriever{res: talibanResult()}, model, nil, Options{Now: func() time.Time { return asOf }})
			u, ok, err := b.FollowUpdate(context.Background(), f, map[int64]int64{1: 1})
			if err != nil || ok != tc.ok {
				t.Fatalf("FollowUpdate = %+v, %v, %v; want ok %v", u, ok, err, tc.ok)
			}
			if ok && (!strings.HasPrefix(u.Text, tc.text) || u.Mode != tc.mode || len(u.Sources) != 1 || u.Sources[0].ArticleID != 1) {
				t.Errorf("update = %+v; want %q (%s) citing article 1", u, tc.text, tc.mode)
			}
			reqs := srv.Requests()
			if len(reqs) == 0 || !strings.Contains(reqs[0].Messages[1].Content, `title="Pakistan Dismisses Recognition Of Taliban"`) || strings.Contains(reqs[0].Messages[1].Content, "Border clashes") {
				t.Errorf("the prompt should carry the new article's passage and not the old one's: %+v", reqs)
			}
		})
	}
}

// TestFollowUpdateTwoStories: two new stories in one interval are told in
// one update, a sentence of each, cited [1] and [2].
func TestFollowUpdateTwoStories(t *testing.T) {
	q := "Which country has recognised the Taliban government recently?"
	res := retrieval.Result{
		Hits: []corpus.Hit{
			hit(1, "Russia recognises Taliban", "Kabul Now", "Russia is the only country known to have recently recognised the Taliban government. Officials met in Moscow."),
			hit(2, "Russia recognises Taliban (copy)", "Wire", "Russia is the only country known to have recently recognised the Taliban government."),
			hit(3, "Kazakhstan weighs recognition", "Dawn", "Kazakhstan said it could recognise the Taliban government next year, the country's foreign ministry said."),
		},
		Confidence: 0.8,
		Terms:      corpus.QueryTerms(q),
	}
	b := New(&fakeRetriever{res: res}, nil, nil, Options{Now: func() time.Time { return asOf }})
	u, ok, err := b.FollowUpdate(context.Background(), corpus.Follow{ID: 1, Scope: "g", Question: q, CreatedAt: asOf}, map[int64]int64{1: 10, 2: 10, 3: 30})
	if err != nil || !ok {
		t.Fatalf("FollowUpdate = %+v, %v, %v", u, ok, err)
	}
	if !equalIDs(u.Stories, []int64{10, 30}) || len(u.Sources) != 2 || u.Sources[0].ArticleID != 1 || u.Sources[1].ArticleID != 3 {
		t.Errorf("update stories %v sources %+v; want stories [10 30] citing articles 1 and 3", u.Stories, u.Sources)
	}
	if !strings.HasPrefix(u.Text, "Russia is the only country") || !strings.Contains(u.Text, "[1] Kazakhstan said") || !strings.HasSuffix(u.Text, "[2]") {
		t.Errorf("update text = %q; want a cited sentence of each story", u.Text)
	}
	if len(u.Deferred) != 0 {
		t.Errorf("update deferred %v; want none (two stories, both told)", u.Deferred)
	}

	// A third story as good as these: no room in this update, so it is
	// deferred to the next rather than passed by.
	res.Hits = append(res.Hits, hit(4, "Uzbekistan weighs recognition", "Gazette", "Uzbekistan said it could recognise the Taliban government soon, its foreign ministry said."))
	b = New(&fakeRetriever{res: res}, nil, nil, Options{Now: func() time.Time { return asOf }})
	u, ok, err = b.FollowUpdate(context.Background(), corpus.Follow{ID: 1, Scope: "g", Question: q, CreatedAt: asOf}, map[int64]int64{1: 10, 2: 10, 3: 30, 4: 40})
	if err != nil || !ok {
		t.Fatalf("FollowUpdate = %+v, %v, %v", u, ok, err)
	}
	if !equalIDs(u.Stories, []int64{10, 30}) || !equalIDs(u.Deferred, []int64{4}) {
		t.Errorf("update stories %v deferred %v; want stories [10 30] told and article 4 deferred", u.Stories, u.Deferred)
	}
}
