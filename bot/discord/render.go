package discord

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/corpus"
)

// Discord's limits on one message. Lengths are counted in UTF-16 code
// units, which is never less than what Discord counts.
const (
	maxContent          = 2000
	maxEmbedDescription = 4096
	maxEmbedTitle       = 256
	maxEmbedsTotal      = 6000 // all embed text of one message together
	maxEmbedsPerMessage = 10
	maxChoiceName       = 100 // autocomplete choice names
	maxChoices          = 25
)

// Colours of the embeds: one per kind, so a glance tells them apart.
const (
	colourSources = 0x3b82f6
	colourNearest = 0x9ca3af
	// Titles of the embed that lists an answer's articles; isAnswer knows
	// the bot's answers by them.
	sourcesTitle = "Sources"
	nearestTitle = "Nearest articles"
	storiesTitle = "Stories"
	colourList   = 0x10b981
	colourError  = 0xef4444
)

// message is one Discord message to send or edit in.
type message struct {
	Content string
	Embeds  []*discordgo.MessageEmbed
}

// noMentions is attached to everything the bot sends: no text an article,
// a model or a user wrote can ping @everyone, a role or a user, and a reply
// does not ping its author.
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// renderAnswer turns an answer into messages within Discord's limits: the
// answer text (with its [n] markers) split at sentence or word boundaries,
// and the sources as a numbered list of linked titles in an embed on the
// last message.
func renderAnswer(a bot.Answer) []message {
	text := cleanText(a.Text)
	if a.Note != "" {
		text += "\n-# " + cleanText(a.Note)
	}
	parts := splitText(text, maxContent)
	msgs := make([]message, len(parts))
	for i, p := range parts {
		msgs[i].Content = p
	}
	var lines []string
	title, colour := sourcesTitle, colourSources
	srcs := a.Sources
	if len(srcs) == 0 && len(a.Nearest) > 0 {
		srcs, title, colour = a.Nearest, nearestTitle, colourNearest
		if a.Mode == bot.ModePeriod {
			title = storiesTitle
		}
	}
	for _, s := range srcs {
		line := fmt.Sprintf("**[%d]** %s", s.N, sourceLine(s.Title, s.URL, s.Outlet, s.PublishedAt)) + reportedBy(s)
		if s.StoryOutlets > 1 {
			line += fmt.Sprintf(" · **%d outlets** (`/story %d`)", s.StoryOutlets, s.StoryID)
		}
		lines = append(lines, line)
	}
	if len(lines) > 0 {
		embeds := listEmbeds(title, colour, lines)
		last := &msgs[len(msgs)-1]
		for _, e := range embeds {
			if len(last.Embeds) == maxEmbedsPerMessage || embedsLen(last.Embeds)+embedLen(e) > maxEmbedsTotal {
				msgs = append(msgs, message{})
				last = &msgs[len(msgs)-1]
			}
			last.Embeds = append(last.Embeds, e)
		}
	}
	return msgs
}

// renderStories lists stories as their headlines' linked titles with
// outlet and date; a story several outlets carried adds "· N outlets"
// and the /story command that shows them.
func renderStories(title, empty string, heads []corpus.StoryHead) []message {
	if len(heads) == 0 {
		return []message{{Content: empty}}
	}
	lines := make([]string, len(heads))
	for i, h := range heads {
		a := h.Headline
		lines[i] = fmt.Sprintf("%d. %s", i+1, sourceLine(a.Title, a.URL, a.Source, a.PublishedAt))
		if h.Outlets > 1 {
			lines[i] += fmt.Sprintf(" · **%d outlets** (`/story %d`)", h.Outlets, h.ID)
		}
	}
	return embedMessages(title, colourList, lines)
}

// Bounds of what renderStory shows of an article's new sentences: a
// story of ten copies still fits in one or two embeds.
const (
	maxAddedShown = 3
	addedSnippet  = 160
)

// renderStory shows a story: headline, outlets and span, then each
// article by time with what it added to the earlier ones.
func renderStory(s bot.Story) []message {
	sum := s.Summary
	head := fmt.Sprintf("%d articles", sum.Articles)
	if sum.Articles == 1 {
		head = "1 article"
	}
	if n := len(sum.Outlets); n > 0 {
		names := make([]string, n)
		for i, o := range sum.Outlets {
			names[i] = escapeMarkdown(oneLine(o))
		}
		head += fmt.Sprintf(" from %d outlet", n)
		if n > 1 {
			head += "s"
		}
		head += ": " + strings.Join(names, ", ")
	}
	if !sum.From.IsZero() {
		if from, to := sum.From.Format(dateLayout), sum.To.Format(dateLayout); from == to {
			head += ", " + from
		} else {
			head += ", " + from + " to " + to
		}
	}
	lines := []string{head}
	for i, e := range s.Entries {
		a := e.Article
		l := fmt.Sprintf("%d. %s", i+1, sourceLine(a.Title, a.URL, a.Source, a.PublishedAt))
		switch {
		case len(e.Added) == 0:
			l += "\nAdded nothing new."
		case i == 0:
			l += fmt.Sprintf("\nFirst report (%d sentences).", len(e.Added))
		default:
			for _, line := range e.Added[:min(len(e.Added), maxAddedShown)] {
				l += "\n> + " + escapeMarkdown(snippet(line, addedSnippet))
			}
			if more := len(e.Added) - maxAddedShown; more > 0 {
				l += fmt.Sprintf("\n> + … and %d more", more)
			}
		}
		lines = append(lines, l)
	}
	title := "Story " + strconv.FormatInt(s.ID, 10)
	if sum.Headline != nil {
		title += ": " + escapeMarkdown(oneLine(sum.Headline.Title))
	}
	return embedMessages(title, colourList, lines)
}

// renderSearch lists search results with a snippet each.
func renderSearch(query string, rs []bot.SearchResult) []message {
	if len(rs) == 0 {
		return []message{{Content: "No articles match " + quote(query) + "."}}
	}
	lines := make([]string, len(rs))
	for i, r := range rs {
		lines[i] = fmt.Sprintf("%d. %s\n> %s", i+1, sourceLine(r.Article.Title, r.Article.URL, r.Article.Source, r.Article.PublishedAt), escapeMarkdown(snippet(r.Snippet, 160)))
	}
	return embedMessages("Articles matching "+quote(query), colourList, lines)
}

// renderStats describes the corpus of a server.
func renderStats(st corpus.Stats, outlets []string) []message {
	var b strings.Builder
	fmt.Fprintf(&b, "**%d** articles (%d passages) from **%d** outlets", st.Articles, st.Passages, st.Outlets)
	if !st.Oldest.IsZero() {
		fmt.Fprintf(&b, "\nPublished %s to %s", st.Oldest.Format(dateLayout), st.Newest.Format(dateLayout))
	}
	if st.NewestTitle != "" {
		fmt.Fprintf(&b, "\nNewest: %s", escapeMarkdown(st.NewestTitle))
	}
	if len(outlets) > 0 {
		const shown = 15
		list := outlets
		if len(list) > shown {
			list = list[:shown]
		}
		esc := make([]string, len(list))
		for i, o := range list {
			esc[i] = escapeMarkdown(o)
		}
		fmt.Fprintf(&b, "\nOutlets: %s", strings.Join(esc, ", "))
		if len(outlets) > shown {
			fmt.Fprintf(&b, " and %d more", len(outlets)-shown)
		}
	}
	return []message{{Embeds: []*discordgo.MessageEmbed{{Title: "What the news corpus holds", Description: truncate(b.String(), maxEmbedDescription), Color: colourList}}}}
}

// embedMessages puts lines into as many embeds and messages as the limits
// need.
func embedMessages(title string, colour int, lines []string) []message {
	var msgs []message
	cur := message{}
	for _, e := range listEmbeds(title, colour, lines) {
		if len(cur.Embeds) == maxEmbedsPerMessage || embedsLen(cur.Embeds)+embedLen(e) > maxEmbedsTotal {
			msgs = append(msgs, cur)
			cur = message{}
		}
		cur.Embeds = append(cur.Embeds, e)
	}
	return append(msgs, cur)
}

// listEmbeds packs lines into embeds whose descriptions stay within the
// limit; only the first carries the title. A line is never split.
func listEmbeds(title string, colour int, lines []string) []*discordgo.MessageEmbed {
	var out []*discordgo.MessageEmbed
	var b strings.Builder
	flush := func() {
		if b.Len() == 0 {
			return
		}
		e := &discordgo.MessageEmbed{Description: b.String(), Color: colour}
		if len(out) == 0 {
			e.Title = truncate(title, maxEmbedTitle)
		}
		out = append(out, e)
		b.Reset()
	}
	for _, l := range lines {
		l = truncate(l, maxEmbedDescription)
		if b.Len() > 0 && u16len(b.String())+1+u16len(l) > maxEmbedDescription {
			flush()
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(l)
	}
	flush()
	return out
}

func embedLen(e *discordgo.MessageEmbed) int { return u16len(e.Title) + u16len(e.Description) }

func embedsLen(es []*discordgo.MessageEmbed) int {
	n := 0
	for _, e := range es {
		n += embedLen(e)
	}
	return n
}

const dateLayout = "2 Jan 2006"

// reportedBy is " · reported by A, B and C" for a source whose text other
// outlets carried too (bot.Source.ReportedBy), the names escaped; empty
// otherwise.
func reportedBy(s bot.Source) string {
	o := s.Outlets()
	if len(o) < 2 {
		return ""
	}
	for i := range o {
		o[i] = escapeMarkdown(oneLine(o[i]))
	}
	return " · reported by " + strings.Join(o[:len(o)-1], ", ") + " and " + o[len(o)-1]
}

// sourceLine is "[Title](url) — Outlet, 2 Jan 2026". The title is escaped
// so it cannot close the link early or fake another one, and only http(s)
// URLs become links.
func sourceLine(title, url, outlet string, published time.Time) string {
	t := escapeMarkdown(oneLine(title))
	if t == "" {
		t = "(untitled)"
	}
	switch {
	case !safeURL(url):
	case looksLikeAddress(title):
		// A link whose text reads as one address and points to another
		// deceives; show the title as text and the real address beside it.
		t += " <" + url + ">"
	default:
		t = "[" + t + "](<" + url + ">)"
	}
	var meta []string
	if outlet != "" {
		meta = append(meta, escapeMarkdown(oneLine(outlet)))
	}
	if !published.IsZero() {
		meta = append(meta, published.Format(dateLayout))
	}
	if len(meta) > 0 {
		t += " — " + strings.Join(meta, ", ")
	}
	return t
}

// safeURL accepts http(s) URLs without characters that would end the
// <...> link target or break the line.
func safeURL(u string) bool {
	return (strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")) &&
		!strings.ContainsAny(u, "<> \n\r\t)")
}

// looksLikeAddress reports whether text names a web address, which makes
// it unfit as the visible text of a link.
func looksLikeAddress(text string) bool {
	l := strings.ToLower(text)
	return strings.Contains(l, "://") || strings.Contains(l, "www.")
}

// markdownSpecial are the characters that format text in Discord.
var markdownSpecial = strings.NewReplacer(
	`\`, `\\`, `*`, `\*`, `_`, `\_`, `~`, `\~`, "`", "\\`", `|`, `\|`,
	`[`, `\[`, `]`, `\]`, `(`, `\(`, `)`, `\)`, `<`, `\<`, `>`, `\>`, `#`, `\#`, `@`, "@\u200b",
)

// escapeMarkdown makes text from articles display literally.
func escapeMarkdown(s string) string { return markdownSpecial.Replace(s) }

// maskedLink matches [text](target), Discord's masked link syntax.
var maskedLink = regexp.MustCompile(`\[([^\[\]]*)\]\(\s*<?([^()\s<>]*)>?\s*\)`)

// cleanText prepares answer text (model or article words) for a message:
// masked links are written out as "text (url)" so no link shows one thing
// and points to another, invisible characters are removed, and mass-mention
// words are defused as a second line of defence behind allowed_mentions.
func cleanText(s string) string {
	s = corpus.RemoveInvisible(s)
	// A link may hide in another's text ("[[a](x)](y)"): rewrite until
	// none is left. Each pass removes at least one "](", so this ends.
	for maskedLink.MatchString(s) {
		s = maskedLink.ReplaceAllString(s, "$1 (<$2>)")
	}
	// What still has a masked link's shape (a target with parentheses or a
	// title, an escaped bracket in the text) is shown as typed.
	s = strings.ReplaceAll(s, "](", `]\(`)
	s = strings.ReplaceAll(s, "@everyone", "@\u200beveryone")
	s = strings.ReplaceAll(s, "@here", "@\u200bhere")
	return strings.TrimSpace(s)
}

// splitText cuts s into pieces of at most limit UTF-16 units, at a paragraph
// break, else a sentence end, else a space: never inside a word, so never
// inside a [n] marker.
func splitText(s string, limit int) []string {
	var out []string
	// Leading space would let a cut at a space leave a blank part.
	s = strings.TrimSpace(s)
	for u16len(s) > limit {
		head := prefixUnits(s, limit)
		cut := strings.LastIndex(head, "\n\n")
		if cut < len(head)/2 {
			cut = lastSentenceEnd(head)
		}
		if cut < len(head)/2 {
			cut = strings.LastIndexAny(head, " \n")
		}
		if cut <= 0 {
			cut = len(head) // one giant word: hard cut, but not inside a marker
			if open := strings.LastIndexByte(head, '['); open > 0 && strings.Trim(head[open+1:], "0123456789") == "" {
				cut = open
			}
		}
		out = append(out, strings.TrimSpace(s[:cut]))
		s = strings.TrimSpace(s[cut:])
	}
	if s != "" || len(out) == 0 {
		out = append(out, s)
	}
	return out
}

// lastSentenceEnd is the index just after the last ". ", "! ", "? " or
// "] " (a citation closing a sentence) in s, or -1.
func lastSentenceEnd(s string) int {
	best := -1
	for _, sep := range []string{". ", "! ", "? ", "] ", ".\n", "]\n"} {
		if i := strings.LastIndex(s, sep); i >= 0 && i+1 > best {
			best = i + 1
		}
	}
	return best
}

// prefixUnits returns the longest prefix of s within n UTF-16 units.
func prefixUnits(s string, n int) string {
	units := 0
	for i, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if units+w > n {
			return s[:i]
		}
		units += w
	}
	return s
}

// u16len counts s in UTF-16 units without allocating (splitText calls it
// once per part on the whole rest).
func u16len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

func truncate(s string, n int) string {
	if u16len(s) <= n {
		return s
	}
	return prefixUnits(s, n-1) + "…"
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func snippet(s string, n int) string {
	s = oneLine(s)
	if u16len(s) <= n {
		return s
	}
	cut := prefixUnits(s, n)
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return cut + "…"
}

func quote(s string) string { return "“" + escapeMarkdown(truncate(oneLine(s), 80)) + "”" }
