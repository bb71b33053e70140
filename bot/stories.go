package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/stories"
)

// Story is what /story shows: a story's summary (headline, outlets, time
// span) and its articles by time, each with what it added.
type Story struct {
	ID      int64
	Summary stories.Summary
	Entries []StoryEntry // earliest first
}

// StoryEntry is one article of a story and the sentences it added: those
// no earlier article of the story had (all of them for the first).
type StoryEntry struct {
	Article corpus.Article
	Added   []string
}

// Story returns the story with this id as the actor may see it: only its
// articles in the actor's scopes. Returns a *NotFoundError when there are
// none.
func (b *Bot) Story(ctx context.Context, who Actor, id int64) (Story, error) {
	arts, err := b.store.StoryArticles(ctx, id, who.Scopes())
	if err != nil {
		return Story{}, fmt.Errorf("story %d: %w", id, err)
	}
	if len(arts) == 0 {
		return Story{}, &NotFoundError{What: "story", ID: id}
	}
	return MakeStory(id, arts), nil
}

// MakeStory describes story id from its articles, earliest first as
// StoryArticles lists them (the CLI, which sees every scope, reads them
// from the store itself).
func MakeStory(id int64, arts []corpus.Article) Story {
	ptrs := make([]*corpus.Article, len(arts))
	for i := range arts {
		ptrs[i] = &arts[i]
	}
	s := Story{ID: id, Summary: stories.Summarise(ptrs), Entries: make([]StoryEntry, len(arts))}
	for i, a := range arts {
		s.Entries[i].Article = a
	}
	for i, added := range AddedSentences(arts) {
		s.Entries[i].Added = added
	}
	return s
}

// AddedSentences returns, for each article in order, its sentences that no
// earlier article had: a set difference over corpus.Sentences, compared
// case-insensitively with spaces folded, because copies of a wire story
// differ in little but whitespace and the odd capital. A sentence an
// article repeats counts once.
func AddedSentences(arts []corpus.Article) [][]string {
	seen := make(map[string]bool)
	out := make([][]string, len(arts))
	for i, a := range arts {
		for _, s := range corpus.Sentences(a.Body) {
			k := strings.ToLower(strings.Join(strings.Fields(s), " "))
			if k == "" || seen[k] {
				continue
			}
			seen[k] = true
			out[i] = append(out[i], s)
		}
	}
	return out
}
