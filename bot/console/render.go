package console

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/corpus"
)

// WriteAnswer prints an answer and its numbered sources as plain text.
func WriteAnswer(w io.Writer, a bot.Answer) {
	fmt.Fprintln(w, a.Text)
	if a.Note != "" {
		fmt.Fprintf(w, "\n(%s)\n", a.Note)
	}
	if len(a.Sources) > 0 {
		fmt.Fprintln(w, "\nSources:")
		for _, s := range a.Sources {
			writeSource(w, s)
		}
	}
}

func writeSource(w io.Writer, s bot.Source) {
	writeEntry(w, fmt.Sprintf("[%d]", s.N), s.Title, s.Outlet, s.PublishedAt, s.ArticleID)
	if s.URL != "" {
		fmt.Fprintf(w, "    %s\n", s.URL)
	}
	if r := s.ReportedBy(); r != "" {
		fmt.Fprintf(w, "    %s\n", r)
	}
}

// writeEntry prints one listed article: "label Title (Outlet, date) #id".
func writeEntry(w io.Writer, label, title, outlet string, published time.Time, id int64) {
	fmt.Fprintf(w, "%s %s", label, title)
	if d := meta(outlet, published); d != "" {
		fmt.Fprintf(w, " (%s)", d)
	}
	fmt.Fprintf(w, " #%d\n", id)
}

// WriteArticles prints a list of articles, newest first as given, or
// empty when there are none (see NoArticles).
func WriteArticles(w io.Writer, arts []corpus.Article, empty string) {
	if len(arts) == 0 {
		fmt.Fprintln(w, empty)
		return
	}
	for i, a := range arts {
		writeEntry(w, fmt.Sprintf("%d.", i+1), a.Title, a.Source, a.PublishedAt, a.ID)
		if a.URL != "" {
			fmt.Fprintf(w, "   %s\n", a.URL)
		}
	}
}

// WriteStories prints a list of stories, newest first as given, or empty
// when there are none (see NoArticles). A story carried by one outlet
// reads as its article does in WriteArticles; one carried by several adds
// "· N outlets (/story ID)" to its headline's line.
func WriteStories(w io.Writer, heads []corpus.StoryHead, empty string) {
	if len(heads) == 0 {
		fmt.Fprintln(w, empty)
		return
	}
	for i, h := range heads {
		a := h.Headline
		label := fmt.Sprintf("%d.", i+1)
		fmt.Fprintf(w, "%s %s", label, a.Title)
		if d := meta(a.Source, a.PublishedAt); d != "" {
			fmt.Fprintf(w, " (%s)", d)
		}
		fmt.Fprintf(w, " #%d", a.ID)
		if h.Outlets > 1 {
			fmt.Fprintf(w, " · %d outlets (/story %d)", h.Outlets, h.ID)
		}
		fmt.Fprintln(w)
		if a.URL != "" {
			fmt.Fprintf(w, "   %s\n", a.URL)
		}
	}
}

// WriteStory prints a story: its headline, outlets and span, then each
// article by time with the sentences it added to the earlier ones.
func WriteStory(w io.Writer, s bot.Story) {
	sum := s.Summary
	fmt.Fprintf(w, "Story %d: %s\n", s.ID, sum.Headline.Title)
	fmt.Fprintf(w, "%s", Plural(sum.Articles, "article"))
	if len(sum.Outlets) > 0 {
		fmt.Fprintf(w, " from %s", Plural(len(sum.Outlets), "outlet"))
		fmt.Fprintf(w, " (%s)", strings.Join(sum.Outlets, ", "))
	}
	if !sum.From.IsZero() {
		if sum.From.Format(dateLayout) == sum.To.Format(dateLayout) {
			fmt.Fprintf(w, ", %s", sum.From.Format(dateLayout))
		} else {
			fmt.Fprintf(w, ", %s to %s", sum.From.Format(dateLayout), sum.To.Format(dateLayout))
		}
	}
	fmt.Fprintln(w)
	for i, e := range s.Entries {
		a := e.Article
		writeEntry(w, fmt.Sprintf("\n%d.", i+1), a.Title, a.Source, a.PublishedAt, a.ID)
		if a.URL != "" {
			fmt.Fprintf(w, "   %s\n", a.URL)
		}
		switch {
		case len(e.Added) == 0:
			fmt.Fprintln(w, "   Added nothing new.")
		case i == 0:
			fmt.Fprintf(w, "   First report (%s).\n", Plural(len(e.Added), "sentence"))
		default:
			fmt.Fprintf(w, "   Added %s:\n", Plural(len(e.Added), "sentence"))
			for _, line := range e.Added[:min(len(e.Added), maxAddedShown)] {
				fmt.Fprintf(w, "   + %s\n", snippet(line, addedSnippet))
			}
			if more := len(e.Added) - maxAddedShown; more > 0 {
				fmt.Fprintf(w, "   + ... and %s more\n", Plural(more, "sentence"))
			}
		}
	}
}

// Bounds of what WriteStory shows of an article's new sentences: enough
// to see what a rewrite added, short enough that a story of ten copies
// fits on a screen.
const (
	maxAddedShown = 5
	addedSnippet  = 200
)

// maxOutletsNamed bounds the outlets NoArticles names: enough to spot a
// misspelling, short enough for one line.
const maxOutletsNamed = 10

// NoArticles says why a listing of the latest articles is empty: the
// corpus holds no articles yet (howToAdd says how this frontend adds some,
// e.g. "/add PATH"), or none from source, in which case it names the
// outlets there are, so that a misspelt name is easy to correct.
func NoArticles(articles int, source string, outlets []string, howToAdd string) string {
	switch {
	case articles == 0:
		return "No articles yet. Add some with " + howToAdd + "."
	case source == "":
		return "No articles."
	case len(outlets) == 0:
		return fmt.Sprintf("No articles from %q: no article names its outlet.", source)
	}
	named := outlets[:min(len(outlets), maxOutletsNamed)]
	msg := fmt.Sprintf("No articles from %q. Outlets: %s", source, strings.Join(named, ", "))
	if more := len(outlets) - len(named); more > 0 {
		msg += fmt.Sprintf(" and %d more", more)
	}
	return msg + "."
}

// Plural is "1 article" or "2 articles": n and the noun in the right
// number.
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// WriteSearch prints search results with a short snippet each.
func WriteSearch(w io.Writer, rs []bot.SearchResult) {
	if len(rs) == 0 {
		fmt.Fprintln(w, "No matching articles.")
		return
	}
	for i, r := range rs {
		a := r.Article
		writeEntry(w, fmt.Sprintf("%d.", i+1), a.Title, a.Source, a.PublishedAt, a.ID)
		fmt.Fprintf(w, "   %s\n", snippet(r.Snippet, snippetRunes))
	}
}

// snippetRunes is how much of a passage a search result shows.
const snippetRunes = 200

func snippet(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := string(r[:n])
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return cut + "…"
}

// WriteStats prints what the corpus holds.
func WriteStats(w io.Writer, st corpus.Stats) {
	fmt.Fprintf(w, "%s (%s) from %s\n", Plural(st.Articles, "article"), Plural(st.Passages, "passage"), Plural(st.Outlets, "outlet"))
	if !st.Oldest.IsZero() {
		fmt.Fprintf(w, "published %s to %s\n", st.Oldest.Format(dateLayout), st.Newest.Format(dateLayout))
	}
	if st.NewestTitle != "" {
		fmt.Fprintf(w, "newest: %s\n", st.NewestTitle)
	}
}

const dateLayout = "2 Jan 2006"

func meta(outlet string, published time.Time) string {
	var parts []string
	if outlet != "" {
		parts = append(parts, outlet)
	}
	if !published.IsZero() {
		parts = append(parts, published.Format(dateLayout))
	}
	return strings.Join(parts, ", ")
}

// WriteFeeds prints the feeds followed, with their health; howToAdd says
// how this frontend follows one (e.g. "/feeds add URL") when there are
// none.
func WriteFeeds(w io.Writer, fs []corpus.Feed, howToAdd string) {
	if len(fs) == 0 {
		fmt.Fprintf(w, "No feeds yet. Follow one with %s.\n", howToAdd)
		return
	}
	for _, f := range fs {
		title := f.Title
		if title == "" {
			title = f.URL
		}
		fmt.Fprintf(w, "#%d %s\n   %s\n   %s; last success %s", f.ID, title, f.URL, Plural(f.Items, "article"), whenOrNever(f.LastSuccess))
		if f.Failures > 0 {
			fmt.Fprintf(w, "; %s, last error: %s", Plural(f.Failures, "failure"), f.LastError)
		}
		fmt.Fprintln(w)
	}
}

// WriteFeedResults prints what polling did per feed.
func WriteFeedResults(w io.Writer, rs []corpus.PollResult) {
	for _, r := range rs {
		title := r.Feed.Title
		if title == "" {
			title = r.Feed.URL
		}
		switch {
		case r.Err != nil:
			fmt.Fprintf(w, "#%d %s: failed: %v\n", r.Feed.ID, title, r.Err)
		case r.NotModified:
			fmt.Fprintf(w, "#%d %s: not modified\n", r.Feed.ID, title)
		default:
			fmt.Fprintf(w, "#%d %s: added %d, updated %d, unchanged %d, failed %d\n", r.Feed.ID, title, r.Added, r.Updated, r.Unchanged, r.Failed)
		}
	}
}

func whenOrNever(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Local().Format("2006-01-02 15:04")
}
