package discordtest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"
)

// This file is the fake's side of HTTP interactions: instead of an
// INTERACTION_CREATE on the gateway, Discord POSTs the interaction, signed,
// to the application's Interactions Endpoint URL and takes the HTTP answer
// as the interaction's callback.

// SlashCommandHTTP stores a chat-input command interaction as SlashCommand
// does but dispatches nothing: it returns the interaction's id and the JSON
// Discord would POST to an interactions endpoint (see PostInteraction).
func (s *Server) SlashCommandHTTP(c Cmd) (id string, body []byte) {
	inv, fill := s.commandData(c, "")
	raw, _ := s.storeInteraction(discordgo.InteractionApplicationCommand, inv, c.Name, fill)
	return s.httpInteraction(raw)
}

// AutocompleteHTTP is Autocomplete for an interactions endpoint.
func (s *Server) AutocompleteHTTP(c Cmd) (id string, body []byte) {
	focus := c.Focused
	if focus == "" {
		focus = lastLeaf(c.Options)
	}
	inv, fill := s.commandData(c, focus)
	raw, _ := s.storeInteraction(discordgo.InteractionApplicationCommandAutocomplete, inv, c.Name, fill)
	return s.httpInteraction(raw)
}

// PingHTTP returns a PING interaction, with which Discord checks an
// endpoint when its URL is saved in the Developer Portal.
func (s *Server) PingHTTP() (id string, body []byte) {
	s.mu.Lock()
	id = s.nextIDLocked()
	it := &interaction{id: id, token: "interaction-token-" + id, typ: int(discordgo.InteractionPing)}
	s.interactions[id] = it
	s.byToken[it.token] = it
	s.mu.Unlock()
	return id, mustJSON(map[string]any{"id": id, "application_id": ApplicationID, "type": int(discordgo.InteractionPing), "token": it.token, "version": 1})
}

func (s *Server) httpInteraction(raw []byte) (string, []byte) {
	var p struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		s.tb.Errorf("discordtest: decode interaction: %v", err)
	}
	return p.ID, raw
}

// Sign returns the headers with which Discord signs an interaction request:
// X-Signature-Timestamp is at in Unix seconds, X-Signature-Ed25519 priv's
// signature (hex) of the timestamp followed by body.
func Sign(priv ed25519.PrivateKey, at time.Time, body []byte) http.Header {
	ts := strconv.FormatInt(at.Unix(), 10)
	sig := ed25519.Sign(priv, append([]byte(ts), body...))
	h := http.Header{}
	h.Set("X-Signature-Timestamp", ts)
	h.Set("X-Signature-Ed25519", hex.EncodeToString(sig))
	return h
}

// PostInteraction delivers the interaction id (body from SlashCommandHTTP,
// AutocompleteHTTP or PingHTTP), signed with priv now, to the endpoint at
// url. An answer with status 200 is applied as Discord applies an
// interaction callback (a deferral creates the "thinking" original message
// that the bot's edits then change); an answer Discord would refuse is an
// error. It returns the endpoint's status and body. The delivery and its
// answer are not REST requests of the bot: Requests does not list them.
func (s *Server) PostInteraction(ctx context.Context, url string, priv ed25519.PrivateKey, id string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, fmt.Errorf("post interaction: %w", err)
	}
	for k, v := range Sign(priv, time.Now(), body) {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Discord-Interactions/1.0 (+https://discord.com)")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("post interaction: %w", err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, maxRequestBody))
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("post interaction: read answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, out, nil
	}
	return resp.StatusCode, out, s.applyHTTPResponse(id, out)
}

// applyHTTPResponse takes an endpoint's answer as the interaction's
// callback, with the checks the REST callback makes.
func (s *Server) applyHTTPResponse(id string, answer []byte) error {
	s.mu.Lock()
	it := s.interactions[id]
	if it == nil {
		s.mu.Unlock()
		return fmt.Errorf("apply answer: unknown interaction %s", id)
	}
	if it.typ == int(discordgo.InteractionPing) {
		s.mu.Unlock()
		var p struct {
			Type int `json:"type"`
		}
		if err := json.Unmarshal(answer, &p); err != nil || p.Type != int(discordgo.InteractionResponsePong) {
			return fmt.Errorf("apply answer: a PING wants {\"type\":1}, got %s", answer)
		}
		return nil
	}
	req := Request{Time: time.Now(), Method: http.MethodPost, Path: "/interactions/" + it.id + "/" + it.token + "/callback", Body: answer}
	if err := parseBody(&req, "application/json"); err != nil {
		s.mu.Unlock()
		return fmt.Errorf("apply answer: %w", err)
	}
	c := &call{req: &req, params: []string{it.id, it.token}}
	rep := s.interactionCallback(c)
	s.notifyLocked()
	s.mu.Unlock()
	for _, f := range c.after {
		f()
	}
	if rep.status >= 300 {
		return fmt.Errorf("apply answer: Discord would refuse it: %d %s", rep.status, mustJSON(rep.body))
	}
	return nil
}
