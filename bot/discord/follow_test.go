package discord

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
)

// TestRefusal: which of Discord's refusals of a follow update remove the
// follow (the channel is gone), drop the update only (the bot may not
// post there) or leave it to be sent again (an outage).
func TestRefusal(t *testing.T) {
	rest := func(status, code int) error {
		e := &discordgo.RESTError{Response: &http.Response{StatusCode: status}}
		if code != 0 {
			e.Message = &discordgo.APIErrorMessage{Code: code}
		}
		return fmt.Errorf("send: %w", e)
	}
	for _, tc := range []struct {
		name                string
		err                 error
		gone, undeliverable bool
	}{
		{"unknown channel", rest(http.StatusNotFound, discordgo.ErrCodeUnknownChannel), true, true},
		{"left the server", rest(http.StatusForbidden, discordgo.ErrCodeMissingAccess), true, true},
		{"may not post", rest(http.StatusForbidden, discordgo.ErrCodeMissingPermissions), false, true},
		{"forbidden without a code", rest(http.StatusForbidden, 0), false, true},
		{"archived, locked thread", rest(http.StatusBadRequest, discordgo.ErrCodePerformedOperationOnArchivedThread), false, true},
		{"rate limited", rest(http.StatusTooManyRequests, 0), false, false},
		{"server error", rest(http.StatusBadGateway, 0), false, false},
		{"network", errors.New("dial tcp: connection refused"), false, false},
	} {
		got := refusal(tc.err)
		if errors.Is(got, bot.ErrChannelGone) != tc.gone || errors.Is(got, bot.ErrUndeliverable) != tc.undeliverable {
			t.Errorf("%s: refusal = %v; want gone %v, undeliverable %v", tc.name, got, tc.gone, tc.undeliverable)
		}
		if !errors.Is(got, tc.err) {
			t.Errorf("%s: refusal = %v; want it to wrap %v", tc.name, got, tc.err)
		}
	}
}
