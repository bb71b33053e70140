package discordtest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/newsbot/newsbot/internal/discordtest"
)

// waitTimeout bounds every wait; discordgo's reconnect alone takes about a
// second (Session.Close sleeps one).
const waitTimeout = 15 * time.Second

const (
	guildID   = "900000000000000001"
	channelID = "900000000000000002"
)

// rewrite sends discordgo's https://discord.com/... requests to the fake,
// keeping path and query.
type rewrite struct {
	base *url.URL
	next http.RoundTripper
}

func (t rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != "discord.com" {
		return t.next.RoundTrip(r)
	}
	r = r.Clone(r.Context()) // a RoundTripper must not modify its request
	r.URL.Scheme, r.URL.Host, r.Host = t.base.Scheme, t.base.Host, ""
	return t.next.RoundTrip(r)
}

// newSession returns a real discordgo session aimed at srv, not yet open.
func newSession(t *testing.T, srv *discordtest.Server, token string) *discordgo.Session {
	t.Helper()
	dg, err := discordgo.New(token)
	if err != nil {
		t.Fatalf("discordgo.New: %v", err)
	}
	base, err := url.Parse(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	dg.Client = &http.Client{Transport: rewrite{base, tr}, Timeout: waitTimeout}
	dg.Dialer = &websocket.Dialer{}
	t.Cleanup(tr.CloseIdleConnections)
	return dg
}

// open logs dg in and waits for READY; it is closed when the test ends.
func open(t *testing.T, srv *discordtest.Server, dg *discordgo.Session) {
	t.Helper()
	if err := dg.Open(); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { dg.Close() })
	if err := srv.WaitReady(waitTimeout); err != nil {
		t.Fatal(err)
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), waitTimeout)
	t.Cleanup(cancel)
	return c
}

// deferThenEdit is the usual slash command handler: defer, then edit the
// original response. Errors go to errs.
func deferThenEdit(errs chan<- error, got chan<- *discordgo.Interaction) func(*discordgo.Session, *discordgo.InteractionCreate) {
	return func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
		if ic.Type != discordgo.InteractionApplicationCommand {
			return
		}
		if got != nil {
			got <- ic.Interaction
		}
		err := s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource})
		if err == nil {
			content := "answer to " + ic.ApplicationCommandData().Name
			_, err = s.InteractionResponseEdit(ic.Interaction, &discordgo.WebhookEdit{Content: &content})
		}
		errs <- err
	}
}

func isEditOf(it *discordgo.Interaction) func(discordtest.Request) bool {
	return func(r discordtest.Request) bool {
		return r.Method == "PATCH" && r.Path == "/webhooks/"+discordtest.ApplicationID+"/"+it.Token+"/messages/@original" && r.Status == http.StatusOK
	}
}

func wantNoError(t *testing.T, errs <-chan error) {
	t.Helper()
	select {
	case err := <-errs:
		if err != nil {
			t.Fatalf("handler: %v", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("handler did not finish")
	}
}

func TestSlashCommandDeferredEdit(t *testing.T) {
	srv := discordtest.New(t, discordtest.WithGuild(guildID, "news"))
	dg := newSession(t, srv, "Bot "+discordtest.BotToken)
	errs, got := make(chan error, 1), make(chan *discordgo.Interaction, 1)
	dg.AddHandler(deferThenEdit(errs, got))
	open(t, srv, dg)

	it := srv.SlashCommand(discordtest.Cmd{
		Name:        "news",
		GuildID:     guildID,
		ChannelID:   channelID,
		Roles:       []string{"42"},
		Permissions: discordgo.PermissionManageGuild,
		Options: []*discordgo.ApplicationCommandInteractionDataOption{
			discordtest.SubCommand("ask",
				discordtest.Opt("question", "what happened?"),
				discordtest.Opt("limit", 3),
				discordtest.Opt("private", false)),
		},
	})
	if _, err := srv.WaitRequest(ctx(t), isEditOf(it)); err != nil {
		t.Fatal(err)
	}
	wantNoError(t, errs)

	recv := <-got
	if recv.Member == nil || recv.Member.User.ID != discordtest.DefaultUserID || recv.Member.Permissions != discordgo.PermissionManageGuild || recv.Member.Roles[0] != "42" {
		t.Errorf("member = %+v; want default user, roles [42], ManageGuild", recv.Member)
	}
	sub := recv.ApplicationCommandData().Options[0]
	if sub.Name != "ask" || sub.GetOption("question").StringValue() != "what happened?" || sub.GetOption("limit").IntValue() != 3 || sub.GetOption("private").BoolValue() {
		t.Errorf("options = %+v", sub)
	}
	if recv.AppID != discordtest.ApplicationID || recv.GuildID != guildID || recv.ChannelID != channelID {
		t.Errorf("interaction app/guild/channel = %q/%q/%q", recv.AppID, recv.GuildID, recv.ChannelID)
	}

	resps := srv.InteractionResponses(it.ID)
	if len(resps) != 2 {
		t.Fatalf("InteractionResponses = %d requests; want callback and edit", len(resps))
	}
	if resps[0].Method != "POST" || resps[0].JSON["type"] != float64(5) || resps[0].Status != http.StatusNoContent {
		t.Errorf("callback = %s %s %v -> %d", resps[0].Method, resps[0].Path, resps[0].JSON, resps[0].Status)
	}
	if resps[1].JSON["content"] != "answer to news" {
		t.Errorf("edit content = %v", resps[1].JSON["content"])
	}
	msgs := srv.Messages(channelID)
	if len(msgs) != 1 || msgs[0].Content != "answer to news" || msgs[0].Flags&(1<<7) != 0 || msgs[0].ID == "" {
		t.Errorf("Messages = %+v; want one edited, no longer loading", msgs)
	}
}

func TestRateLimitedEditIsRetried(t *testing.T) {
	srv := discordtest.New(t)
	dg := newSession(t, srv, "Bot "+discordtest.BotToken)
	errs := make(chan error, 1)
	dg.AddHandler(deferThenEdit(errs, nil))
	open(t, srv, dg)

	srv.FailNext("PATCH", "/webhooks/", 50*time.Millisecond)
	it := srv.SlashCommand(discordtest.Cmd{Name: "ping", GuildID: guildID})
	if _, err := srv.WaitRequest(ctx(t), isEditOf(it)); err != nil {
		t.Fatal(err)
	}
	wantNoError(t, errs)

	var statuses []int
	for _, r := range srv.InteractionResponses(it.ID) {
		if r.Method == "PATCH" {
			statuses = append(statuses, r.Status)
		}
	}
	if len(statuses) != 2 || statuses[0] != http.StatusTooManyRequests || statuses[1] != http.StatusOK {
		t.Errorf("edit statuses = %v; want [429 200]", statuses)
	}
}

func TestReconnectResumesAndReplays(t *testing.T) {
	srv := discordtest.New(t)
	dg := newSession(t, srv, "Bot "+discordtest.BotToken)
	errs := make(chan error, 2)
	dg.AddHandler(deferThenEdit(errs, nil))
	open(t, srv, dg)

	// Dispatched while disconnected: delivered on RESUME.
	srv.DropConnections()
	missed := srv.SlashCommand(discordtest.Cmd{Name: "missed", GuildID: guildID})
	if err := srv.WaitReady(waitTimeout); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.WaitRequest(ctx(t), isEditOf(missed)); err != nil {
		t.Fatal(err)
	}
	wantNoError(t, errs)

	after := srv.SlashCommand(discordtest.Cmd{Name: "after", GuildID: guildID})
	if _, err := srv.WaitRequest(ctx(t), isEditOf(after)); err != nil {
		t.Fatal(err)
	}
	wantNoError(t, errs)
	if n, ids := srv.Resumes(), len(srv.Identifies()); n < 1 || ids != 1 {
		t.Errorf("Resumes = %d, Identifies = %d; want a resume and no new IDENTIFY", n, ids)
	}
}

func TestMessageCreateMentionsAndReply(t *testing.T) {
	const roleID = "900000000000000003"
	srv := discordtest.New(t, discordtest.WithGuild(guildID, "news"))
	srv.AddChannel(guildID, channelID, "general")
	srv.SetBotRoles(guildID, roleID)
	dg := newSession(t, srv, "Bot "+discordtest.BotToken)
	dg.Identify.Intents |= discordgo.IntentMessageContent
	got := make(chan *discordgo.Message, 4)
	dg.AddHandler(func(s *discordgo.Session, m *discordgo.MessageCreate) {
		if m.Author.ID != s.State.User.ID { // Discord echoes the bot's own messages
			got <- m.Message
		}
	})
	open(t, srv, dg)

	bot, err := dg.ChannelMessageSend(channelID, "earlier answer")
	if err != nil {
		t.Fatalf("ChannelMessageSend: %v", err)
	}
	alice := &discordgo.User{ID: "900000000000000004", Username: "alice"}
	sent := srv.MessageCreate(discordtest.Msg{
		GuildID: guildID, ChannelID: channelID, Author: alice, Roles: []string{"7"},
		Content: "<@&" + roleID + "> follow-up?",
		ReplyTo: bot.ID,
	})
	var m *discordgo.Message
	select {
	case m = <-got:
	case <-time.After(waitTimeout):
		t.Fatal("no MESSAGE_CREATE")
	}
	if m.ID != sent.ID || m.Content != "<@&"+roleID+"> follow-up?" || m.Author.ID != alice.ID || m.GuildID != guildID {
		t.Errorf("message = %+v", m)
	}
	if len(m.Mentions) != 1 || m.Mentions[0].ID != discordtest.BotUserID {
		t.Errorf("mentions = %+v; want the bot (reply ping)", m.Mentions)
	}
	if len(m.MentionRoles) != 1 || m.MentionRoles[0] != roleID {
		t.Errorf("mention_roles = %v; want [%s]", m.MentionRoles, roleID)
	}
	if m.MessageReference == nil || m.MessageReference.MessageID != bot.ID || m.ReferencedMessage == nil || m.ReferencedMessage.Content != "earlier answer" {
		t.Errorf("reference = %+v / %+v", m.MessageReference, m.ReferencedMessage)
	}
	member, err := dg.GuildMember(guildID, discordtest.BotUserID)
	if err != nil || len(member.Roles) != 1 || member.Roles[0] != roleID {
		t.Errorf("GuildMember(bot) = %+v, %v; want roles [%s]", member, err, roleID)
	}
	roles, err := dg.GuildRoles(guildID)
	if err != nil || len(roles) != 2 || !roles[1].Managed {
		t.Errorf("GuildRoles = %+v, %v; want @everyone and the managed bot role", roles, err)
	}
}

func TestMessageContentNeedsIntent(t *testing.T) {
	srv := discordtest.New(t, discordtest.WithGuild(guildID, "news"))
	srv.AddThread(guildID, "900000000000000010", channelID)
	dg := newSession(t, srv, "Bot "+discordtest.BotToken) // default intents: no MESSAGE_CONTENT
	got := make(chan *discordgo.Message, 2)
	dg.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { got <- m.Message })
	open(t, srv, dg)

	tests := []struct {
		content, want string
	}{
		{"plain chatter", ""},
		{"<@" + discordtest.BotUserID + "> hello", "<@" + discordtest.BotUserID + "> hello"},
	}
	for _, tt := range tests {
		srv.MessageCreate(discordtest.Msg{GuildID: guildID, ChannelID: "900000000000000010", Content: tt.content})
		select {
		case m := <-got:
			if m.Content != tt.want {
				t.Errorf("content of %q = %q; want %q", tt.content, m.Content, tt.want)
			}
		case <-time.After(waitTimeout):
			t.Fatal("no MESSAGE_CREATE")
		}
	}
	th, err := dg.Channel("900000000000000010")
	if err != nil || th.Type != discordgo.ChannelTypeGuildPublicThread || th.ParentID != channelID {
		t.Errorf("Channel(thread) = %+v, %v; want type 11 with parent %s", th, err, channelID)
	}
}

func TestAttachments(t *testing.T) {
	srv := discordtest.New(t)
	srv.AddChannel(guildID, channelID, "general")
	dg := newSession(t, srv, "Bot "+discordtest.BotToken)
	got := make(chan *discordgo.Interaction, 1)
	dg.AddHandler(func(_ *discordgo.Session, ic *discordgo.InteractionCreate) { got <- ic.Interaction })
	open(t, srv, dg)

	att := srv.AddAttachment("article.html", "text/html", []byte("<p>news</p>"))
	srv.SlashCommand(discordtest.Cmd{Name: "summarize", GuildID: guildID, Options: []*discordgo.ApplicationCommandInteractionDataOption{
		discordtest.AttachmentOpt("file", att),
	}})
	var it *discordgo.Interaction
	select {
	case it = <-got:
	case <-time.After(waitTimeout):
		t.Fatal("no interaction")
	}
	data := it.ApplicationCommandData()
	resolved := data.Resolved.Attachments[data.Options[0].Value.(string)]
	if resolved == nil || resolved.URL != att.URL || resolved.Size != len("<p>news</p>") {
		t.Fatalf("resolved attachment = %+v; want %+v", resolved, att)
	}
	body, ctype := download(t, dg.Client, resolved.URL)
	if body != "<p>news</p>" || ctype != "text/html" {
		t.Errorf("download = %q (%s)", body, ctype)
	}

	// Files the bot uploads become downloadable attachments too.
	m, err := dg.ChannelMessageSendComplex(channelID, &discordgo.MessageSend{
		Content: "see file",
		Files:   []*discordgo.File{{Name: "sources.txt", ContentType: "text/plain", Reader: strings.NewReader("a\nb\n")}},
	})
	if err != nil {
		t.Fatalf("ChannelMessageSendComplex: %v", err)
	}
	req, err := srv.WaitRequest(ctx(t), func(r discordtest.Request) bool {
		return r.Method == "POST" && r.Path == "/channels/"+channelID+"/messages"
	})
	if err != nil || req.JSON["content"] != "see file" || len(req.Files) != 1 || string(req.Files[0].Data) != "a\nb\n" {
		t.Errorf("recorded upload = %+v, %v", req, err)
	}
	if body, _ := download(t, dg.Client, m.Attachments[0].URL); body != "a\nb\n" {
		t.Errorf("uploaded file = %q", body)
	}
}

func download(t *testing.T, c *http.Client, u string) (string, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d, %v", u, resp.StatusCode, err)
	}
	return string(b), resp.Header.Get("Content-Type")
}

func TestBulkOverwrite(t *testing.T) {
	srv := discordtest.New(t, discordtest.WithGuild(guildID, "news"))
	dg := newSession(t, srv, "Bot "+discordtest.BotToken)

	cmds := []*discordgo.ApplicationCommand{
		{Name: "ask", Description: "Ask the news", Options: []*discordgo.ApplicationCommandOption{
			{Name: "question", Description: "What to ask", Type: discordgo.ApplicationCommandOptionString, Required: true},
		}},
		{Name: "sources", Description: "List sources"},
	}
	first, err := dg.ApplicationCommandBulkOverwrite(discordtest.ApplicationID, guildID, cmds)
	if err != nil {
		t.Fatalf("ApplicationCommandBulkOverwrite: %v", err)
	}
	if len(first) != 2 || first[0].ID == "" || first[0].Name != "ask" || first[0].GuildID != guildID || first[0].Options[0].Name != "question" {
		t.Fatalf("echo = %+v", first)
	}
	again, err := dg.ApplicationCommandBulkOverwrite(discordtest.ApplicationID, guildID, cmds[:1])
	if err != nil || len(again) != 1 || again[0].ID != first[0].ID {
		t.Errorf("second overwrite = %+v, %v; want ask with the same id", again, err)
	}
	listed, err := dg.ApplicationCommands(discordtest.ApplicationID, guildID)
	if err != nil || len(listed) != 1 || listed[0].ID != first[0].ID {
		t.Errorf("ApplicationCommands = %+v, %v", listed, err)
	}
	if it := srv.SlashCommand(discordtest.Cmd{Name: "ask", GuildID: guildID}); it.ApplicationCommandData().ID != first[0].ID {
		t.Errorf("interaction command id = %s; want %s", it.ApplicationCommandData().ID, first[0].ID)
	}

	_, err = dg.ApplicationCommandBulkOverwrite(discordtest.ApplicationID, "", []*discordgo.ApplicationCommand{{Name: "Ask", Description: "x"}})
	var rest *discordgo.RESTError
	if !errors.As(err, &rest) || rest.Message == nil || rest.Message.Code != 50035 {
		t.Errorf("uppercase name: err = %v; want 400 Invalid Form Body", err)
	}
	_, err = dg.ApplicationCommandBulkOverwrite(discordtest.BotUserID, "", cmds)
	if !errors.As(err, &rest) || rest.Response.StatusCode != http.StatusForbidden {
		t.Errorf("bot user id as application id: err = %v; want 403", err)
	}
}

func TestInteractionRules(t *testing.T) {
	srv := discordtest.New(t)
	dg := newSession(t, srv, "Bot "+discordtest.BotToken)
	errs := make(chan error, 4)
	dg.AddHandler(func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
		switch ic.Type {
		case discordgo.InteractionApplicationCommandAutocomplete:
			errs <- s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{
				Type: discordgo.InteractionApplicationCommandAutocompleteResult,
				Data: &discordgo.InteractionResponseData{Choices: []*discordgo.ApplicationCommandOptionChoice{{Name: "Reuters", Value: "reuters"}}},
			})
		case discordgo.InteractionModalSubmit:
			text := ic.ModalSubmitData().Components[0].(*discordgo.ActionsRow).Components[0].(*discordgo.TextInput).Value
			resp := &discordgo.InteractionResponse{
				Type: discordgo.InteractionResponseChannelMessageWithSource,
				Data: &discordgo.InteractionResponseData{Content: "got " + text, Flags: discordgo.MessageFlagsEphemeral},
			}
			errs <- s.InteractionRespond(ic.Interaction, resp)
			errs <- s.InteractionRespond(ic.Interaction, resp) // twice: Discord refuses
		}
	})
	open(t, srv, dg)

	ac := srv.Autocomplete(discordtest.Cmd{Name: "ask", Options: []*discordgo.ApplicationCommandInteractionDataOption{discordtest.Opt("source", "reu")}})
	if !ac.ApplicationCommandData().Options[0].Focused || ac.User == nil || ac.Member != nil {
		t.Errorf("autocomplete = %+v; want focused option, DM user", ac)
	}
	wantNoError(t, errs)

	md := srv.ModalSubmit(discordtest.Modal{CustomID: "feedback", Fields: []discordtest.TextInput{{CustomID: "text", Value: "great"}}})
	wantNoError(t, errs)
	var rest *discordgo.RESTError
	if err := <-errs; !errors.As(err, &rest) || rest.Message == nil || rest.Message.Code != 40060 {
		t.Errorf("second response: %v; want 40060 already acknowledged", err)
	}
	msgs := srv.Messages(md.ChannelID)
	if len(msgs) != 1 || msgs[0].Content != "got great" || msgs[0].Flags&discordgo.MessageFlagsEphemeral == 0 {
		t.Errorf("Messages = %+v; want one ephemeral reply", msgs)
	}

	// Edits before any response, and responses of the wrong type, fail.
	it := srv.SlashCommand(discordtest.Cmd{Name: "ask"})
	content := "too early"
	if _, err := dg.InteractionResponseEdit(it, &discordgo.WebhookEdit{Content: &content}); err == nil {
		t.Error("edit before responding succeeded")
	}
	err := dg.InteractionRespond(it, &discordgo.InteractionResponse{Type: discordgo.InteractionApplicationCommandAutocompleteResult, Data: &discordgo.InteractionResponseData{}})
	if !errors.As(err, &rest) || rest.Response.StatusCode != http.StatusBadRequest {
		t.Errorf("autocomplete result to a slash command: %v; want 400", err)
	}
	long := strings.Repeat("x", 2001)
	err = dg.InteractionRespond(it, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: &discordgo.InteractionResponseData{Content: long}})
	if !errors.As(err, &rest) || rest.Message == nil || rest.Message.Code != 50035 {
		t.Errorf("2001-character reply: %v; want 50035", err)
	}
}

func TestAuthAndUnknownRoutes(t *testing.T) {
	srv := discordtest.New(t)

	bad := newSession(t, srv, "Bot wrong")
	err := bad.Open()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != 4004 {
		t.Errorf("Open with a bad token: %v; want close 4004", err)
	}
	if _, err := bad.User("@me"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("REST with a bad token: %v; want 401", err)
	}

	dg := newSession(t, srv, "Bot "+discordtest.BotToken)
	me, err := dg.User("@me")
	if err != nil || me.ID != discordtest.BotUserID || !me.Bot {
		t.Errorf("User(@me) = %+v, %v", me, err)
	}
	if _, err := dg.Request("GET", discordgo.EndpointAPI+"no/such/route", nil); err == nil {
		t.Error("unknown route succeeded")
	}
	r, err := srv.WaitRequest(ctx(t), func(r discordtest.Request) bool { return r.Path == "/no/such/route" })
	if err != nil || r.Status != http.StatusNotFound {
		t.Errorf("unknown route recorded as %+v, %v; want 404", r, err)
	}
	if _, err := dg.ChannelMessageSend("123", "hi"); err == nil || !strings.Contains(err.Error(), "10003") {
		t.Errorf("send to unknown channel: %v; want 10003 Unknown Channel", err)
	}
}
