package discord

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/parse"
)

// handleLatest lists the newest stories, optionally about a topic and from
// one outlet.
func (f *Frontend) handleLatest(ctx context.Context, i *discordgo.InteractionCreate) error {
	opts, _ := options(i)
	topic, source := stringOpt(opts, "topic"), stringOpt(opts, "source")
	arts, err := f.core.LatestAbout(ctx, f.actor(i), intOpt(opts, "count"), topic, source)
	if err != nil {
		return err
	}
	title := "Latest news"
	if topic != "" {
		title = "Latest on " + quote(topic)
	}
	if source != "" {
		title += " from " + escapeMarkdown(source)
	}
	empty := "No articles yet. Moderators can add some with /add."
	if topic != "" || source != "" {
		empty = "No articles match that."
	}
	return f.respond(ctx, i, renderStories(title, empty, arts), false)
}

// handleStory shows a story's articles by outlet and time and what each
// added.
func (f *Frontend) handleStory(ctx context.Context, i *discordgo.InteractionCreate) error {
	opts, _ := options(i)
	id := int64(intOpt(opts, "id"))
	if id <= 0 {
		return userErrorf("Give the story number /latest shows after “outlets”.")
	}
	s, err := f.core.Story(ctx, f.actor(i), id)
	if err != nil {
		return err
	}
	return f.respond(ctx, i, renderStory(s), false)
}

// handleSearch lists matching articles without the LLM.
func (f *Frontend) handleSearch(ctx context.Context, i *discordgo.InteractionCreate) error {
	opts, _ := options(i)
	q := stringOpt(opts, "query")
	if strings.TrimSpace(q) == "" {
		return userErrorf("Tell me what to search for.")
	}
	rs, err := f.core.Search(ctx, f.actor(i), q)
	if err != nil {
		return err
	}
	return f.respond(ctx, i, renderSearch(q, rs), false)
}

// handleSources describes what this server's corpus holds.
func (f *Frontend) handleSources(ctx context.Context, i *discordgo.InteractionCreate) error {
	who := f.actor(i)
	st, err := f.core.Sources(ctx, who)
	if err != nil {
		return err
	}
	outlets, err := f.core.Outlets(ctx, who)
	if err != nil {
		return err
	}
	fs, err := f.core.Feeds(ctx, who)
	if err != nil {
		return err
	}
	msgs := renderStats(st, outlets)
	if h := feedHealth(fs); h != "" {
		e := msgs[0].Embeds[0]
		e.Description = truncate(e.Description+h, maxEmbedDescription)
	}
	return f.respond(ctx, i, msgs, false)
}

// modalAddText is the custom id of the /add text modal, and of its fields.
const (
	modalAddText   = "add_text"
	fieldTitle     = "title"
	fieldURL       = "url"
	fieldPublished = "published"
	fieldBody      = "body"
	// maxModalBody is Discord's limit for a text input.
	maxModalBody = 4000
	// maxModalTitle, maxModalURL and maxModalDate are the other fields'
	// limits: a headline, a long link, a date with room for its spelling.
	maxModalTitle = 300
	maxModalURL   = 2000
	maxModalDate  = 40
)

// handleAdd adds an article by URL, attachment or pasted text (a modal).
// Moderators only, checked here on every call.
func (f *Frontend) handleAdd(ctx context.Context, i *discordgo.InteractionCreate) error {
	who := f.actor(i)
	if !who.Moderator {
		return fmt.Errorf("add: %w", bot.ErrForbidden)
	}
	opts, sub := options(i)
	switch sub {
	case "text":
		return f.showAddTextModal(ctx, i)
	case "url":
		u := stringOpt(opts, "url")
		if err := f.deferReply(ctx, i, true); err != nil {
			return err
		}
		rep, err := f.core.AddURL(ctx, who, u)
		if err != nil {
			return &errDeferred{err: err, private: true}
		}
		f.finish(ctx, i.Interaction, []message{{Content: describeAdd(rep)}}, true)
		return nil
	case "file":
		att, err := attachment(i, opts)
		if err != nil {
			return err
		}
		if limit := f.core.MaxInputBytes(); int64(att.Size) > limit {
			return tooLargeUpload(att.Filename, int64(att.Size), limit)
		}
		if !parse.IsSupported(att.Filename) {
			return userErrorf("%s is not a file type I can read. Use .txt, .md, .html, .json or .jsonl (optionally .gz).", att.Filename)
		}
		if err := f.deferReply(ctx, i, true); err != nil {
			return err
		}
		data, err := f.download(ctx, att.URL)
		if err != nil {
			return &errDeferred{err: err, private: true}
		}
		rep, err := f.core.AddUpload(ctx, who, att.Filename, bytes.NewReader(data))
		if err != nil {
			return &errDeferred{err: err, private: true}
		}
		f.finish(ctx, i.Interaction, []message{{Content: describeAdd(rep)}}, true)
		return nil
	}
	return userErrorf("Use /add url, /add file or /add text.")
}

func attachment(i *discordgo.InteractionCreate, opts map[string]*discordgo.ApplicationCommandInteractionDataOption) (*discordgo.MessageAttachment, error) {
	o, ok := opts["file"]
	if !ok {
		return nil, userErrorf("Attach a file to add.")
	}
	id, _ := o.Value.(string)
	res := i.ApplicationCommandData().Resolved
	if res == nil || res.Attachments[id] == nil {
		return nil, userErrorf("I could not find the attached file; please try again.")
	}
	return res.Attachments[id], nil
}

// tooLargeUpload refuses an attachment over the bot's input limit.
func tooLargeUpload(name string, size, limit int64) error {
	return userErrorf("%s is %s; the limit is %s.", name, parse.SizeText(size), parse.SizeText(limit))
}

func (f *Frontend) showAddTextModal(ctx context.Context, i *discordgo.InteractionCreate) error {
	row := func(c discordgo.TextInput) discordgo.MessageComponent {
		return discordgo.ActionsRow{Components: []discordgo.MessageComponent{c}}
	}
	err := f.interactionRespond(ctx, i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseModal,
		Data: &discordgo.InteractionResponseData{
			CustomID: modalAddText,
			Title:    "Add an article",
			Components: []discordgo.MessageComponent{
				row(discordgo.TextInput{CustomID: fieldTitle, Label: "Title", Style: discordgo.TextInputShort, Required: true, MaxLength: maxModalTitle}),
				row(discordgo.TextInput{CustomID: fieldURL, Label: "Link (optional)", Style: discordgo.TextInputShort, Placeholder: "https://...", MaxLength: maxModalURL}),
				row(discordgo.TextInput{CustomID: fieldPublished, Label: "Published (optional, YYYY-MM-DD)", Style: discordgo.TextInputShort, MaxLength: maxModalDate}),
				row(discordgo.TextInput{CustomID: fieldBody, Label: "Text", Style: discordgo.TextInputParagraph, Required: true, MinLength: 20, MaxLength: maxModalBody}),
			},
		},
	})
	if err != nil {
		return fmt.Errorf("show modal: %w", err)
	}
	return nil
}

// handleAddTextModal adds the article pasted into the /add text modal.
func (f *Frontend) handleAddTextModal(ctx context.Context, i *discordgo.InteractionCreate) error {
	who := f.actor(i)
	if !who.Moderator {
		return fmt.Errorf("add text: %w", bot.ErrForbidden)
	}
	fields := modalValues(i.ModalSubmitData().Components)
	// Discord enforces the modal's lengths in its clients; a raw API call
	// need not, so they are checked again.
	for _, l := range []struct {
		field, name string
		max         int
	}{{fieldTitle, "title", maxModalTitle}, {fieldURL, "link", maxModalURL}, {fieldPublished, "date", maxModalDate}, {fieldBody, "text", maxModalBody}} {
		if n := utf8.RuneCountInString(fields[l.field]); n > l.max {
			return userErrorf("The %s is %d characters long; the limit is %d.", l.name, n, l.max)
		}
	}
	a := corpus.Article{Title: fields[fieldTitle], URL: fields[fieldURL], Body: fields[fieldBody], Source: "pasted"}
	if p := fields[fieldPublished]; p != "" {
		t, err := parse.ParseDate(p)
		if err != nil {
			return userErrorf("I could not read the date %q; use YYYY-MM-DD.", p)
		}
		a.PublishedAt = t
	} else {
		a.PublishedAt = time.Now().UTC()
	}
	if a.URL != "" {
		if _, err := corpus.CanonicalURL(a.URL); err != nil {
			return userErrorf("The link %q is not a valid http(s) URL.", truncate(a.URL, 100))
		}
		a.Source = ""
	}
	if err := f.deferReply(ctx, i, true); err != nil {
		return err
	}
	rep, err := f.core.AddArticle(ctx, who, a)
	if err != nil {
		return &errDeferred{err: err, private: true}
	}
	f.finish(ctx, i.Interaction, []message{{Content: describeAdd(rep)}}, true)
	return nil
}

// modalValues flattens a modal's text inputs into id -> value.
func modalValues(comps []discordgo.MessageComponent) map[string]string {
	out := make(map[string]string)
	for _, c := range comps {
		row, ok := c.(*discordgo.ActionsRow)
		if !ok {
			continue
		}
		for _, in := range row.Components {
			if ti, ok := in.(*discordgo.TextInput); ok {
				out[ti.CustomID] = strings.TrimSpace(ti.Value)
			}
		}
	}
	return out
}

// describeAdd tells a moderator what an add did.
func describeAdd(rep bot.AddReport) string {
	var b strings.Builder
	switch {
	case rep.Added == 1 && rep.Duplicates == 0 && rep.Failed == 0:
		a := rep.AddedArticles[0]
		fmt.Fprintf(&b, "Added: %s", sourceLine(a.Title, a.URL, a.Source, a.PublishedAt))
	case rep.Added == 0 && rep.Duplicates > 0 && rep.Failed == 0:
		b.WriteString("Nothing added: this server's corpus already has that article.")
	default:
		fmt.Fprintf(&b, "Added %d, duplicates %d, failed %d.", rep.Added, rep.Duplicates, rep.Failed)
		for _, a := range rep.AddedArticles {
			fmt.Fprintf(&b, "\n+ %s", sourceLine(a.Title, a.URL, a.Source, a.PublishedAt))
		}
		for _, fl := range rep.Failures {
			msg, ok := bot.UserMessage(fl.Err)
			if !ok {
				msg = fl.Err.Error()
			}
			fmt.Fprintf(&b, "\n✗ %s: %s", escapeMarkdown(fl.Source), escapeMarkdown(msg))
		}
	}
	return truncate(b.String(), maxContent)
}

// handleRemove removes an article of this server. Moderators only.
func (f *Frontend) handleRemove(ctx context.Context, i *discordgo.InteractionCreate) error {
	who := f.actor(i)
	if !who.Moderator {
		return fmt.Errorf("remove: %w", bot.ErrForbidden)
	}
	opts, _ := options(i)
	ref := stringOpt(opts, "article")
	id, err := strconv.ParseInt(ref, 10, 64)
	if err != nil {
		// Typed text instead of a picked suggestion: find it by title.
		arts, ferr := f.core.RemovableArticles(ctx, who, ref, 2)
		if ferr != nil {
			return ferr
		}
		if len(arts) != 1 {
			return userErrorf("Pick the article from the suggestions as you type its title.")
		}
		id = arts[0].ID
	}
	a, err := f.core.Remove(ctx, who, id)
	if err != nil {
		return err
	}
	return f.respond(ctx, i, []message{{Content: "Removed: " + sourceLine(a.Title, a.URL, a.Source, a.PublishedAt)}}, true)
}

// completeSource suggests outlets for /latest source.
func (f *Frontend) completeSource(ctx context.Context, i *discordgo.InteractionCreate) error {
	typed := strings.ToLower(focusedValue(i))
	outlets, err := f.core.Outlets(ctx, f.actor(i))
	if err != nil {
		return err
	}
	var choices []*discordgo.ApplicationCommandOptionChoice
	for _, o := range outlets {
		if len(choices) == maxChoices {
			break
		}
		if typed == "" || strings.Contains(strings.ToLower(o), typed) {
			name := truncate(o, maxChoiceName)
			choices = append(choices, &discordgo.ApplicationCommandOptionChoice{Name: name, Value: truncate(o, maxChoiceName)})
		}
	}
	return f.autocomplete(ctx, i, choices)
}

// completeArticle suggests this server's articles for /remove.
func (f *Frontend) completeArticle(ctx context.Context, i *discordgo.InteractionCreate) error {
	who := f.actor(i)
	var choices []*discordgo.ApplicationCommandOptionChoice
	if who.Moderator {
		arts, err := f.core.RemovableArticles(ctx, who, focusedValue(i), maxChoices)
		if err != nil {
			return err
		}
		for _, a := range arts {
			name := oneLine(a.Title)
			if !a.PublishedAt.IsZero() {
				name += " (" + a.PublishedAt.Format(dateLayout) + ")"
			}
			choices = append(choices, &discordgo.ApplicationCommandOptionChoice{Name: truncate(name, maxChoiceName), Value: strconv.FormatInt(a.ID, 10)})
		}
	}
	return f.autocomplete(ctx, i, choices)
}

func (f *Frontend) autocomplete(ctx context.Context, i *discordgo.InteractionCreate, choices []*discordgo.ApplicationCommandOptionChoice) error {
	if choices == nil {
		choices = []*discordgo.ApplicationCommandOptionChoice{}
	}
	err := f.interactionRespond(ctx, i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: choices},
	})
	if err != nil {
		return fmt.Errorf("autocomplete: %w", err)
	}
	return nil
}

// focusedValue is the text typed so far in the focused option.
func focusedValue(i *discordgo.InteractionCreate) string {
	list := i.ApplicationCommandData().Options
	if len(list) == 1 && list[0].Type == discordgo.ApplicationCommandOptionSubCommand {
		list = list[0].Options
	}
	for _, o := range list {
		if o.Focused {
			s, _ := o.Value.(string)
			return strings.TrimSpace(s)
		}
	}
	return ""
}
