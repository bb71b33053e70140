package discord

import (
	"testing"

	"github.com/bwmarrin/discordgo"
)

// TestAck covers the hand-over between a handler's responses and the HTTP
// reply, including the endpoint's own acknowledgement when the handler is
// late (which the end-to-end tests cannot reach without waiting).
func TestAck(t *testing.T) {
	msg := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: &discordgo.InteractionResponseData{Content: "late answer"}}
	deferred := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}
	modal := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseModal}
	command := &discordgo.InteractionCreate{Interaction: &discordgo.Interaction{Type: discordgo.InteractionApplicationCommand}}
	autocomplete := &discordgo.InteractionCreate{Interaction: &discordgo.Interaction{Type: discordgo.InteractionApplicationCommandAutocomplete}}
	tests := []struct {
		name      string
		i         *discordgo.InteractionCreate
		fellBack  bool // the endpoint acknowledged before the handler responded
		responses []*discordgo.InteractionResponse
		wantReply discordgo.InteractionResponseType
		wantTaken []bool   // take's first result, per response
		wantErr   []bool   // take's error, per response
		wantEdits []string // contents edited into the original response
	}{
		{"handler first", command, false, []*discordgo.InteractionResponse{deferred}, discordgo.InteractionResponseDeferredChannelMessageWithSource, []bool{true}, []bool{false}, nil},
		{"second response goes to REST", command, false, []*discordgo.InteractionResponse{msg, msg}, discordgo.InteractionResponseChannelMessageWithSource, []bool{true, false}, []bool{false, false}, nil},
		{"late message becomes an edit", command, true, []*discordgo.InteractionResponse{msg}, discordgo.InteractionResponseDeferredChannelMessageWithSource, []bool{true}, []bool{false}, []string{"late answer"}},
		{"late deferral is already done", command, true, []*discordgo.InteractionResponse{deferred}, discordgo.InteractionResponseDeferredChannelMessageWithSource, []bool{true}, []bool{false}, nil},
		{"late modal cannot be shown", command, true, []*discordgo.InteractionResponse{modal}, discordgo.InteractionResponseDeferredChannelMessageWithSource, []bool{true}, []bool{true}, nil},
		{"late autocomplete gets no choices", autocomplete, true, nil, discordgo.InteractionApplicationCommandAutocompleteResult, nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &ack{first: make(chan *discordgo.InteractionResponse, 1)}
			var reply *discordgo.InteractionResponse
			if tt.fellBack {
				reply = a.fallBack(tt.i)
			}
			var edits []string
			edit := func(m message) { edits = append(edits, m.Content) }
			for n, resp := range tt.responses {
				taken, err := a.take(resp, edit)
				if taken != tt.wantTaken[n] || (err != nil) != tt.wantErr[n] {
					t.Errorf("take #%d = %v, %v; want %v, error %v", n+1, taken, err, tt.wantTaken[n], tt.wantErr[n])
				}
			}
			if !tt.fellBack {
				reply = a.fallBack(tt.i) // the handler's response, already there
			}
			if reply.Type != tt.wantReply {
				t.Errorf("HTTP reply type %d; want %d", reply.Type, tt.wantReply)
			}
			if tt.fellBack && reply.Type == discordgo.InteractionResponseDeferredChannelMessageWithSource && reply.Data.Flags&discordgo.MessageFlagsEphemeral == 0 {
				t.Errorf("the endpoint's own deferral is public; want ephemeral")
			}
			if len(edits) != len(tt.wantEdits) || (len(edits) > 0 && edits[0] != tt.wantEdits[0]) {
				t.Errorf("edits = %q; want %q", edits, tt.wantEdits)
			}
		})
	}
}
