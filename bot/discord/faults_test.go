package discord_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	openai "github.com/sashabaranov/go-openai"

	"github.com/newsbot/newsbot/bot/llm"
	"github.com/newsbot/newsbot/bot/llm/llmtest"
	"github.com/newsbot/newsbot/internal/discordtest"
)

const taliban = "Which country has recognised the Taliban government recently?"

func askCmd(guild string, user *discordgo.User, question string) discordtest.Cmd {
	return discordtest.Cmd{Name: "ask", GuildID: guild, User: user, Options: []*discordgo.ApplicationCommandInteractionDataOption{discordtest.Opt("question", question)}}
}

// TestGatewayReconnectKeepsAnswering drops the gateway socket, as a network
// failure would, and checks that the bot reconnects and answers the next
// /ask.
func TestGatewayReconnectKeepsAnswering(t *testing.T) {
	t.Parallel()
	h := start(t, options{})
	if _, edit := h.ask(t, guildA, taliban); !strings.Contains(text(edit), "Russia") {
		t.Fatalf("answer before the drop = %s", text(edit))
	}
	dropped := time.Now()
	h.fake.DropConnections()
	if err := h.fake.WaitReady(20 * time.Second); err != nil {
		t.Fatal(err)
	}
	t.Logf("gateway live again %v after the drop (resumes: %d, identifies: %d)",
		time.Since(dropped).Round(time.Millisecond), h.fake.Resumes(), len(h.fake.Identifies()))
	_, edit := h.ask(t, guildA, taliban)
	if !strings.Contains(text(edit), "Russia") {
		t.Errorf("answer after the reconnect = %s; want the cited answer", text(edit))
	}
}

// TestInteractionCallbackRateLimited checks that a 429 on the interaction
// callback (the acknowledgement) is retried and the answer still arrives.
func TestInteractionCallbackRateLimited(t *testing.T) {
	t.Parallel()
	h := start(t, options{})
	h.fake.FailNext(http.MethodPost, "/interactions/", 100*time.Millisecond)
	dispatched := time.Now()
	i := h.fake.SlashCommand(askCmd(guildA, member, taliban))
	edit := h.final(t, i)
	if !strings.Contains(text(edit), "Russia") {
		t.Errorf("answer after a rate-limited acknowledgement = %s", text(edit))
	}
	var statuses []int
	for _, r := range h.fake.InteractionResponses(i.ID) {
		if strings.HasSuffix(r.Path, "/callback") {
			statuses = append(statuses, r.Status)
			t.Logf("callback %d after %v", r.Status, r.Time.Sub(dispatched).Round(time.Millisecond))
		}
	}
	if len(statuses) != 2 || statuses[0] != http.StatusTooManyRequests || statuses[1] >= 300 {
		t.Errorf("callback statuses = %v; want a 429 then a success", statuses)
	}
}

// TestAnswerPastFrontendTimeout gives a question less time than the model
// needs: the frontend's deadline (answerTimeout, shortened here) passes, and
// the asker still gets the extractive answer with a note in the final edit,
// not a "thinking..." message left hanging until the token expires.
func TestAnswerPastFrontendTimeout(t *testing.T) {
	t.Parallel()
	srv := llmtest.New(t, func(int, openai.ChatCompletionRequest) llmtest.Reply {
		return llmtest.Reply{Delay: time.Minute, Chunks: []string{"too late [1]."}}
	})
	model := llm.New(llm.Config{BaseURL: srv.BaseURL(), Model: "fake", Timeout: time.Minute})
	const answerTimeout = time.Second
	h := start(t, options{model: model, answerTimeout: answerTimeout})
	dispatched := time.Now()
	i := h.fake.SlashCommand(askCmd(guildA, member, taliban))
	edit := h.final(t, i)
	took := edit.Time.Sub(dispatched)
	t.Logf("final edit %v after dispatch (answer timeout %v)", took.Round(time.Millisecond), answerTimeout)
	got := text(edit)
	if !strings.Contains(got, "Russia") || !strings.Contains(got, "[1]") || !strings.Contains(got, "did not answer in time") {
		t.Errorf("final edit past the answer timeout = %s; want the cited extractive answer and a note", got)
	}
}

// TestProviderFaultEndToEnd runs one provider failure through the whole
// frontend: the model's half answer may have been streamed, but the final
// edit replaces it with the extractive answer and a note saying what
// happened.
func TestProviderFaultEndToEnd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		reply func(n int) llmtest.Reply
		note  string
	}{
		{"server error twice", func(int) llmtest.Reply { return llmtest.Reply{Status: 500} }, "had an error (HTTP 500)"},
		{"stream cut", func(int) llmtest.Reply {
			return llmtest.Reply{Chunks: []string{"Russia is the only ", "country that ", "recognised it [1]."}, CutAfter: 2}
		}, "answer was cut off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := llmtest.New(t, func(n int, _ openai.ChatCompletionRequest) llmtest.Reply { return tt.reply(n) })
			model := llm.New(llm.Config{BaseURL: srv.BaseURL(), Model: "fake", Timeout: 5 * time.Second})
			h := start(t, options{model: model})
			dispatched := time.Now()
			i := h.fake.SlashCommand(askCmd(guildA, member, taliban))
			edit := h.final(t, i)
			t.Logf("final edit %v after dispatch", edit.Time.Sub(dispatched).Round(time.Millisecond))
			got := text(edit)
			if !strings.Contains(got, "Russia") || !strings.Contains(got, "[1]") || !strings.Contains(got, tt.note) {
				t.Errorf("final edit = %s; want the cited extractive answer and a note saying %q", got, tt.note)
			}
			if strings.Contains(got, "country that") {
				t.Errorf("final edit = %s; it shows the cut answer", got)
			}
		})
	}
}
