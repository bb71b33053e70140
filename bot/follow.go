package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/retrieval"
)

// FollowStore keeps the questions channels follow. corpus/sqlite and
// corpus/postgres implement it.
type FollowStore interface {
	// AddFollow returns a *corpus.FollowLimitError when a limit is reached.
	AddFollow(ctx context.Context, f *corpus.Follow, lim corpus.FollowLimits) error
	// Follow returns corpus.ErrNotFound if there is no such follow.
	Follow(ctx context.Context, id int64) (corpus.Follow, error)
	// Follows lists a scope's follows, one channel's when channelID is set.
	Follows(ctx context.Context, scope, channelID string) ([]corpus.Follow, error)
	// RemoveFollow returns corpus.ErrNotFound if there is no such follow.
	RemoveFollow(ctx context.Context, id int64) error
}

// Follow limits by default: enough for a server's running stories, few
// enough that the worker's retrieval per follow stays cheap.
const (
	DefaultFollowsPerServer = 25
	DefaultFollowsPerUser   = 5
)

// maxFollowRunes bounds a followed question: it is searched again for
// every batch of new articles, and a paragraph is no question to follow.
const maxFollowRunes = 300

// ErrNoFollows is returned when the bot was built without follow support.
var ErrNoFollows = errors.New("following questions is not available")

// ErrUndeliverable marks a frontend's error in posting a follow's update
// that sending again will not cure (the channel is gone, the bot may not
// post there): the follow worker then drops the update instead of
// retrying it for ever.
var ErrUndeliverable = errors.New("the update cannot be delivered")

// ErrChannelGone marks a frontend's error in posting a follow's update
// when the channel is gone for good (deleted, or the bot is no longer in
// its server or may not see it): the follow worker then removes the
// follow, which would otherwise cost a retrieval (and a model call) for
// every update it can never post. It is an ErrUndeliverable too.
var ErrChannelGone = fmt.Errorf("the channel is gone: %w", ErrUndeliverable)

// FollowError is a refused /follow or /unfollow, with the reason in words
// the person can act on.
type FollowError struct{ Reason string }

func (e *FollowError) Error() string { return e.Reason }

// Channel is where a follow posts: the frontend that posts its updates
// ("discord", "console") and the channel's id there.
type Channel struct {
	Frontend string
	ID       string
}

// SetFollows gives the bot its follow store and limits (zero limits mean
// the defaults).
func (b *Bot) SetFollows(st FollowStore, lim corpus.FollowLimits) {
	if lim.PerScope <= 0 {
		lim.PerScope = DefaultFollowsPerServer
	}
	if lim.PerUser <= 0 {
		lim.PerUser = DefaultFollowsPerUser
	}
	b.follows, b.followLimits = st, lim
}

// Follow makes the channel follow question: new articles that answer it
// will be posted there as short cited updates. Members may follow; the
// question must have words and at most maxFollowRunes characters, and the
// server's and the user's limits must allow another follow.
func (b *Bot) Follow(ctx context.Context, who Actor, ch Channel, question string) (corpus.Follow, error) {
	if b.follows == nil {
		return corpus.Follow{}, ErrNoFollows
	}
	q := strings.Join(strings.Fields(question), " ")
	// Length first: a long pasted run of characters has no word the
	// analyser keeps, and its length is what the person can act on.
	if n := utf8.RuneCountInString(q); n > maxFollowRunes {
		return corpus.Follow{}, &FollowError{Reason: fmt.Sprintf("That question is %d characters long; a followed question can have at most %d. Ask it shorter, as you would search for it.", n, maxFollowRunes)}
	}
	if len(corpus.Terms(q)) == 0 {
		return corpus.Follow{}, ErrEmptyQuestion
	}
	// The same question twice in one channel would post every update
	// there twice (each follow is told each story once).
	here, err := b.follows.Follows(ctx, who.scope(), ch.ID)
	if err != nil {
		return corpus.Follow{}, fmt.Errorf("follow: %w", err)
	}
	for _, g := range here {
		if g.Frontend == ch.Frontend && strings.EqualFold(g.Question, q) {
			return corpus.Follow{}, &FollowError{Reason: fmt.Sprintf("This channel already follows that question (follow #%d).", g.ID)}
		}
	}
	f := corpus.Follow{Scope: who.scope(), Frontend: ch.Frontend, ChannelID: ch.ID, CreatedBy: who.addedBy(), Question: q}
	if err := b.follows.AddFollow(ctx, &f, b.followLimits); err != nil {
		return corpus.Follow{}, fmt.Errorf("follow: %w", err)
	}
	b.log.InfoContext(ctx, "question followed", "follow_id", f.ID, "server_id", who.ServerID, "channel_id", ch.ID, "user_id", who.UserID)
	return f, nil
}

// Following lists the follows of a channel with their last update. channel
// is the channel asked about; here is where the actor asks. Members see
// the channel they are in; moderators may name any channel of the server,
// or "" for every one of its follows.
func (b *Bot) Following(ctx context.Context, who Actor, here, channel string) ([]corpus.Follow, error) {
	if b.follows == nil {
		return nil, ErrNoFollows
	}
	mod := who.Moderator || who.Operator
	switch {
	case channel == here:
	case !mod:
		return nil, &FollowError{Reason: "Only moderators can list another channel's follows; use /following here, or in that channel."}
	}
	fs, err := b.follows.Follows(ctx, who.scope(), channel)
	if err != nil {
		return nil, fmt.Errorf("following: %w", err)
	}
	return fs, nil
}

// Unfollow removes a follow of the actor's server: its creator may, and a
// moderator may remove any. A follow of another server is "not found".
func (b *Bot) Unfollow(ctx context.Context, who Actor, id int64) (corpus.Follow, error) {
	if b.follows == nil {
		return corpus.Follow{}, ErrNoFollows
	}
	f, err := b.follows.Follow(ctx, id)
	if errors.Is(err, corpus.ErrNotFound) || err == nil && f.Scope != who.scope() {
		return corpus.Follow{}, &NotFoundError{What: "follow", ID: id}
	}
	if err != nil {
		return corpus.Follow{}, fmt.Errorf("unfollow %d: %w", id, err)
	}
	if f.CreatedBy != who.addedBy() && !who.Moderator && !who.Operator {
		return corpus.Follow{}, &FollowError{Reason: fmt.Sprintf("Follow #%d is someone else's; only they or a moderator can remove it.", id)}
	}
	if err := b.follows.RemoveFollow(ctx, id); err != nil {
		if errors.Is(err, corpus.ErrNotFound) {
			return corpus.Follow{}, &NotFoundError{What: "follow", ID: id}
		}
		return corpus.Follow{}, fmt.Errorf("unfollow %d: %w", id, err)
	}
	b.log.InfoContext(ctx, "follow removed", "follow_id", id, "server_id", who.ServerID, "user_id", who.UserID)
	return f, nil
}

// FollowUpdate is an update posted for a follow: what new articles say in
// answer to its question, with their sources. It is stored (JSON) between
// being made and being sent, so its fields are the whole message.
type FollowUpdate struct {
	FollowID int64  `json:"follow_id"`
	Question string `json:"question"`
	// Since is when the channel was last told (the follow's last update,
	// or its creation): "New since 2 Dec".
	Since time.Time `json:"since"`
	// Text is one or two sentences, each citing [n] of Sources.
	Text    string   `json:"text"`
	Sources []Source `json:"sources"`
	Mode    Mode     `json:"mode"`
	// Stories are the stories the update tells (one per source article):
	// none of them will be told to this follow again.
	Stories []int64 `json:"stories"`
	// Score is the retrieval score of the best passage cited, which the
	// next update must come close to (see followShare).
	Score float64 `json:"score"`
	// Deferred are new articles of stories that answer the question as
	// well as those told but were left out of this update (it tells at
	// most followStories, each with a sentence): the follow worker reads
	// them again for the next update instead of passing them by. Not
	// stored: it is for the worker, not the post.
	Deferred []int64 `json:"-"`
}

// Tuning of follow updates.
const (
	// followCandidates is how many passages a follow's question retrieves:
	// the new articles' passages must rank among them, and several new
	// stories may be told at once.
	followCandidates = 30
	// followShare: a new passage is told only when it scores at least this
	// share of the best passage for the question now and of what the
	// channel was last told (Follow.LastScore). A story that mentions the
	// subject in passing is not news about it.
	followShare = 0.6
	// followStories is the most stories one update tells (a batch of an
	// interval may hold more; the best are told): each gets a sentence.
	followStories = 2
	// followSentences is how many sentences an update quotes or composes:
	// "one or two cited sentences".
	followSentences = 2
)

// FollowUpdate makes the update for follow f from the new articles fresh
// (article id -> story id; stories already told to f left out by the
// caller): the question is retrieved as /ask retrieves it, in the follow's
// scopes, and ok is false unless the retrieval is confident (the refusal
// floor of /ask) and some new article's passage ranks close to the best
// (followShare of the best now and of what was last told). The update is
// composed from those passages only, by the LLM when there is one (its
// citations checked, uncited sentences dropped), else extractively.
func (b *Bot) FollowUpdate(ctx context.Context, f corpus.Follow, fresh map[int64]int64) (u FollowUpdate, ok bool, err error) {
	if len(fresh) == 0 {
		return FollowUpdate{}, false, nil
	}
	scopes := Actor{ServerID: f.Scope}.Scopes()
	if f.Scope == corpus.GlobalScope {
		scopes = []string{corpus.GlobalScope}
	}
	asOf := b.now()
	res, err := b.retriever.Retrieve(ctx, retrieval.Request{Question: f.Question, AsOf: asOf, Scopes: scopes, K: followCandidates})
	if err != nil {
		return FollowUpdate{}, false, fmt.Errorf("follow %d: %w", f.ID, err)
	}
	if retrieval.Refuses(res, b.minConf) {
		return FollowUpdate{}, false, nil
	}
	floor := followShare * max(res.Hits[0].Score, f.LastScore)
	// The best article of each new story, and its passages among the hits.
	chosen := make(map[int64]int64) // story -> article
	var order []int64               // the chosen stories, best first
	var hits []corpus.Hit
	var deferred []int64 // articles of stories past followStories
	for _, h := range res.Hits {
		story, isNew := fresh[h.Article.ID]
		if !isNew || h.Score < floor {
			continue
		}
		if a, seen := chosen[story]; seen && a != h.Article.ID {
			continue // another outlet's copy of a story already chosen
		}
		if _, seen := chosen[story]; !seen && len(chosen) == followStories {
			if !slices.Contains(deferred, h.Article.ID) {
				deferred = append(deferred, h.Article.ID)
			}
			continue
		}
		if _, seen := chosen[story]; !seen {
			order = append(order, story)
		}
		chosen[story] = h.Article.ID
		hits = append(hits, h)
	}
	if len(hits) == 0 {
		return FollowUpdate{}, false, nil
	}
	sub := res
	sub.Hits = hits
	var a Answer
	switch {
	case b.model != nil:
		a = groundedSentences(b.compose(ctx, f.Question, asOf, nil, sub, nil), followSentences)
	case len(order) == 1:
		a = groundedSentences(extractive(f.Question, sub, ""), followSentences)
	default:
		// Quoted, the best sentences could all come from one story and
		// leave the other untold: each story gets its best sentence.
		parts := make([]Answer, 0, len(order))
		for _, story := range order {
			one := res
			one.Hits = nil
			for _, h := range hits {
				if h.Article.ID == chosen[story] {
					one.Hits = append(one.Hits, h)
				}
			}
			parts = append(parts, groundedSentences(extractive(f.Question, one, ""), 1))
		}
		a = joinAnswers(parts)
	}
	if len(a.Sources) == 0 {
		return FollowUpdate{}, false, nil
	}
	since := f.LastUpdateAt
	if since.IsZero() {
		since = f.CreatedAt
	}
	u = FollowUpdate{FollowID: f.ID, Question: f.Question, Since: since, Text: a.Text, Sources: a.Sources, Mode: a.Mode}
	cited := make(map[int64]bool)
	for _, s := range a.Sources {
		cited[s.ArticleID] = true
		if st := fresh[s.ArticleID]; !slices.Contains(u.Stories, st) {
			u.Stories = append(u.Stories, st)
		}
	}
	for _, h := range hits {
		if cited[h.Article.ID] {
			u.Score = max(u.Score, h.Score)
		}
	}
	slices.Sort(u.Stories)
	// A chosen story none of the sentences kept cites is left for the
	// next update too, with those past the limit.
	for _, story := range order {
		if !slices.Contains(u.Stories, story) {
			deferred = append(deferred, chosen[story])
		}
	}
	u.Deferred = deferred
	return u, true, nil
}

// groundedSentences keeps the first n of a's sentences that cite a source
// and the sources they cite, renumbered [1], [2]... in order of first
// citation: an update nobody asked for just now says only what its
// articles support, briefly.
func groundedSentences(a Answer, n int) Answer {
	renum := make(map[int]int)
	var sources []Source
	var text []string
	for _, s := range a.Sentences {
		if len(text) == n {
			break
		}
		if !s.Grounded() {
			continue
		}
		t := s.Text
		for _, old := range s.Sources {
			if _, ok := renum[old]; !ok && old >= 1 && old <= len(a.Sources) {
				src := a.Sources[old-1]
				src.N = len(sources) + 1
				renum[old] = src.N
				sources = append(sources, src)
			}
		}
		t = renumber(t, renum)
		text = append(text, t)
	}
	a.Text, a.Sources, a.Sentences = strings.Join(text, " "), sources, nil
	return a
}

// joinAnswers puts answers one after the other, their sources numbered on
// from one answer to the next.
func joinAnswers(as []Answer) Answer {
	var out Answer
	var text []string
	for _, a := range as {
		if len(a.Sources) == 0 {
			continue
		}
		renum := make(map[int]int)
		for _, s := range a.Sources {
			renum[s.N] = len(out.Sources) + 1
			s.N = renum[s.N]
			out.Sources = append(out.Sources, s)
		}
		text = append(text, renumber(a.Text, renum))
		out.Mode = a.Mode
	}
	out.Text = strings.Join(text, " ")
	return out
}

// renumber rewrites the citation markers [n] of s by renum.
func renumber(s string, renum map[int]int) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '[')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.IndexByte(s[i:], ']')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		n, err := strconv.Atoi(s[i+1 : i+j])
		b.WriteString(s[:i])
		if to, ok := renum[n]; err == nil && ok {
			b.WriteString("[" + strconv.Itoa(to) + "]")
		} else {
			b.WriteString(s[i : i+j+1])
		}
		s = s[i+j+1:]
	}
}
