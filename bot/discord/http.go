package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Limits of the HTTP interactions endpoint, each with its reason.
const (
	// ackDeadline is how long the endpoint waits for a handler's first
	// response before acknowledging on its own: Discord drops an
	// interaction not answered within 3 s, and the reply must still
	// travel back. Handlers defer at once, so this is a safety net.
	ackDeadline = 2 * time.Second
	// maxInteractionBytes bounds a request body: an interaction payload
	// is a few kilobytes (options, resolved users and attachments), so
	// anything near this is not from Discord.
	maxInteractionBytes = 1 << 20
	// maxSignatureAge refuses a signed request older than this, so a
	// captured request cannot be replayed later.
	maxSignatureAge = 5 * time.Minute
	// maxClockSkew allows a timestamp this far in the future, for clocks
	// that disagree a little.
	maxClockSkew = 30 * time.Second
	// bodyReadTimeout bounds reading a signed request's body: Discord
	// sends a few kilobytes at once.
	bodyReadTimeout = 5 * time.Second
)

// ParsePublicKey reads DISCORD_PUBLIC_KEY, the application's Ed25519 key
// as the Developer Portal shows it (hex).
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("DISCORD_PUBLIC_KEY: want %d bytes in hex, as the Developer Portal shows it", ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), nil
}

// InteractionsHandler returns the handler of Discord's Interactions
// Endpoint URL: it refuses (401) any request whose Ed25519 signature by key
// over timestamp and body does not verify or whose timestamp is missing,
// stale or in the future, before reading anything from it; answers PING;
// and serves commands, autocomplete and modals with the same handlers as
// the gateway. A handler's first response (a deferral, for /ask) is the
// HTTP response; what follows (the answer) goes through REST as on the
// gateway. Nothing is kept between requests, so any number of replicas
// may serve one application.
func (f *Frontend) InteractionsHandler(key ed25519.PublicKey) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if err := signatureHeaders(r.Header); err != nil {
			// Refused before the body is read: nobody unsigned holds the
			// connection while trickling a body in.
			f.log.Debug("interaction refused: bad signature", "remote", r.RemoteAddr, "reason", err)
			// Closing the connection keeps the server from reading the
			// unread body to reuse it.
			w.Header().Set("Connection", "close")
			http.Error(w, "invalid request signature", http.StatusUnauthorized)
			return
		}
		// Discord sends a whole interaction at once; a body trickled in
		// slower than this is not from Discord.
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(bodyReadTimeout))
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxInteractionBytes))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "cannot read request", http.StatusBadRequest)
			return
		}
		if err := verifySignature(key, r.Header, body, time.Now()); err != nil {
			// Debug, not Info: anyone can send junk to a public endpoint,
			// and the log must not grow with it.
			f.log.Debug("interaction refused: bad signature", "remote", r.RemoteAddr, "reason", err)
			http.Error(w, "invalid request signature", http.StatusUnauthorized)
			return
		}
		var i discordgo.InteractionCreate
		if err := json.Unmarshal(body, &i); err != nil || i.Interaction == nil {
			http.Error(w, "not an interaction", http.StatusBadRequest)
			return
		}
		if i.Type == discordgo.InteractionPing {
			writeResponse(w, &discordgo.InteractionResponse{Type: discordgo.InteractionResponsePong})
			return
		}
		f.serveHTTP(r.Context(), w, &i)
	})
}

// serveHTTP runs an interaction's handler and writes its first response
// as the HTTP answer, or an acknowledgement of its own when the handler
// takes longer than ackDeadline (or ends without responding); the handler
// runs on after that, its response then delivered through REST (see
// ack.take). The handler's REST requests wait until the answer is written:
// the answer creates the message they edit.
func (f *Frontend) serveHTTP(ctx context.Context, w http.ResponseWriter, i *discordgo.InteractionCreate) {
	a := &ack{first: make(chan *discordgo.InteractionResponse, 1), sent: make(chan struct{})}
	writeResponse(w, f.firstResponse(ctx, a, i))
	close(a.sent)
}

// firstResponse is serveHTTP's answer: the handler's first response, or
// the acknowledgement of fallBack.
func (f *Frontend) firstResponse(ctx context.Context, a *ack, i *discordgo.InteractionCreate) *discordgo.InteractionResponse {
	if _, dup := f.acks.LoadOrStore(i.ID, a); dup {
		// The same signed request again while the first is served (a
		// replay, or a retry): it is answered once.
		f.log.Info("interaction refused: already being served", "interaction_id", i.ID)
		return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral}}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer f.acks.Delete(i.ID)
		f.dispatch(i)
	}()
	t := time.NewTimer(ackDeadline)
	defer t.Stop()
	select {
	case resp := <-a.first:
		return resp
	case <-t.C:
	case <-done:
	case <-ctx.Done():
		// Discord gave up on the request; the handler's later edits
		// fail at Discord as they would on the gateway.
	}
	return a.fallBack(i)
}

// ack carries an HTTP interaction's first response from its handler to the
// HTTP reply. It lives while the handler runs, in Frontend.acks by
// interaction id.
type ack struct {
	first chan *discordgo.InteractionResponse // capacity 1
	// sent is closed once the HTTP answer is written: Discord creates the
	// interaction's message from it, so an edit sent earlier would find
	// none (404 Unknown Webhook).
	sent chan struct{}

	mu       sync.Mutex
	answered bool // the HTTP reply is taken, by the handler or fallBack
	fellBack bool // fallBack answered: the handler's response becomes an edit
}

// take offers the handler's response resp. It reports whether resp is
// dealt with: the HTTP reply when none was sent yet; after fallBack's
// deferral, a message response becomes an edit of it (through edit) and a
// deferral is already done. A second response after the handler's own
// first is not taken: it goes to REST, which refuses it as Discord does
// on the gateway.
func (a *ack) take(resp *discordgo.InteractionResponse, edit func(message)) (bool, error) {
	a.mu.Lock()
	if !a.answered {
		a.answered = true
		a.first <- resp
		a.mu.Unlock()
		a.waitSent()
		return true, nil
	}
	fellBack := a.fellBack
	a.mu.Unlock()
	if !fellBack {
		return false, nil
	}
	a.waitSent()
	switch resp.Type {
	case discordgo.InteractionResponseDeferredChannelMessageWithSource, discordgo.InteractionResponseDeferredMessageUpdate:
		return true, nil
	case discordgo.InteractionResponseChannelMessageWithSource:
		var m message
		if resp.Data != nil {
			m = message{Content: resp.Data.Content, Embeds: resp.Data.Embeds}
		}
		edit(m)
		return true, nil
	}
	return true, fmt.Errorf("interaction response type %d after the endpoint acknowledged on its own", resp.Type)
}

// waitSent waits until the HTTP answer is written, so what the handler
// sends next through REST reaches Discord after it. The wait is bounded:
// an endpoint whose client went away never writes.
func (a *ack) waitSent() {
	t := time.NewTimer(ackDeadline + time.Second)
	defer t.Stop()
	select {
	case <-a.sent:
	case <-t.C:
	}
}

// fallBack returns the handler's response if it arrived meanwhile, else
// marks the interaction acknowledged and returns the acknowledgement: no
// choices for autocomplete, else a deferred ephemeral message (ephemeral
// because a late handler may be reporting an error, which only the asker
// should see).
func (a *ack) fallBack(i *discordgo.InteractionCreate) *discordgo.InteractionResponse {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.answered {
		return <-a.first
	}
	a.answered, a.fellBack = true, true
	if i.Type == discordgo.InteractionApplicationCommandAutocomplete {
		return &discordgo.InteractionResponse{
			Type: discordgo.InteractionApplicationCommandAutocompleteResult,
			Data: &discordgo.InteractionResponseData{Choices: []*discordgo.ApplicationCommandOptionChoice{}},
		}
	}
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: noMentions()},
	}
}

// interactionRespond sends an interaction's response: into the HTTP reply
// when the interaction came through the endpoint, else through REST (the
// gateway's way). Every handler responds through it.
func (f *Frontend) interactionRespond(ctx context.Context, i *discordgo.InteractionCreate, resp *discordgo.InteractionResponse) error {
	if v, ok := f.acks.Load(i.ID); ok {
		edit := func(m message) { f.editOriginal(ctx, i.Interaction, m) }
		if done, err := v.(*ack).take(resp, edit); done {
			return err
		}
	}
	return f.s.InteractionRespond(i.Interaction, resp, discordgo.WithContext(ctx))
}

// writeResponse writes an interaction response as the HTTP reply.
func writeResponse(w http.ResponseWriter, resp *discordgo.InteractionResponse) {
	body, err := json.Marshal(resp)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	// With its length set and flushed, the answer is complete on the wire
	// before the handler's next REST request leaves (see ack.sent).
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body) // a failed write means Discord went away
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
}

// verifySignature checks Discord's signature of an interaction request:
// X-Signature-Ed25519 is key's signature of X-Signature-Timestamp followed
// by the body, and the timestamp (Unix seconds) is recent.
func verifySignature(key ed25519.PublicKey, h http.Header, body []byte, now time.Time) error {
	if err := signatureHeaders(h); err != nil {
		return err
	}
	ts := h.Get("X-Signature-Timestamp")
	sig, _ := hex.DecodeString(h.Get("X-Signature-Ed25519"))
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("timestamp is not a number")
	}
	switch at := time.Unix(sec, 0); {
	case now.Sub(at) > maxSignatureAge:
		return errors.New("timestamp too old")
	case at.Sub(now) > maxClockSkew:
		return errors.New("timestamp in the future")
	}
	msg := make([]byte, 0, len(ts)+len(body))
	msg = append(append(msg, ts...), body...)
	if !ed25519.Verify(key, msg, sig) {
		return errors.New("signature does not verify")
	}
	return nil
}

// signatureHeaders checks that a request carries a timestamp and a
// signature of the right form, which can be told before reading its body.
func signatureHeaders(h http.Header) error {
	if h.Get("X-Signature-Timestamp") == "" {
		return errors.New("no timestamp")
	}
	sig, err := hex.DecodeString(h.Get("X-Signature-Ed25519"))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return errors.New("no signature, or not one")
	}
	return nil
}

// Serve serves interactions that arrive through InteractionsHandler
// without connecting to the gateway (an HTTP replica) until ctx is done,
// then lets answers in flight finish as Run does. The caller runs the HTTP
// server.
func (f *Frontend) Serve(ctx context.Context) error {
	defer f.stopWork()
	f.log.InfoContext(ctx, "serving HTTP interactions only; the gateway is not used")
	<-ctx.Done()
	f.drain()
	return nil
}

// drain stops taking questions and waits up to shutdownGrace for those in
// flight, then cancels them.
func (f *Frontend) drain() {
	f.closing.Store(true)
	f.log.Info("shutting down: finishing answers in flight", "grace", shutdownGrace)
	done := make(chan struct{})
	go func() { f.inflight.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(shutdownGrace):
		f.log.Warn("answers still in flight at shutdown; cancelling them")
		f.stopWork()
		<-done
	}
}

// Connected reports whether the gateway connection is up (false before
// Run connects, while it reconnects, and for an HTTP replica), for a
// health check.
func (f *Frontend) Connected() bool {
	f.s.RLock()
	defer f.s.RUnlock()
	return f.s.DataReady
}
