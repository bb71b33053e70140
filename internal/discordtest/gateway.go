package discordtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// writeTimeout bounds one gateway write, so a client that stops reading
// cannot wedge the fake (every gateway write holds gwMu).
const writeTimeout = 5 * time.Second

// replayLimit is how many dispatched events a gateway session keeps for
// RESUME; an older resume point gets op 9 (invalid session).
const replayLimit = 1000

// Gateway close codes the fake uses, from Discord's documentation.
const (
	closeUnknownOpcode       = 4001
	closeDecodeError         = 4002
	closeNotAuthenticated    = 4003
	closeAuthFailed          = 4004
	closeAlreadyAuthenticate = 4005
	closeInvalidShard        = 4010
)

type gwSession struct {
	id      string
	shard   [2]int // id, count; [0 1] when the bot identified without a shard
	intents int64
	seq     int64
	buf     []sentEvent
	conn    *gwConn // nil while disconnected
}

type sentEvent struct {
	seq   int64
	frame []byte
}

type gwConn struct {
	ws      *websocket.Conn
	version int
	session *gwSession
	ready   bool // READY or RESUMED was sent; only touched under Server.mu
}

type frame struct {
	Op int    `json:"op"`
	D  any    `json:"d"`
	S  *int64 `json:"s"`
	T  string `json:"t,omitempty"`
}

func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	version := 9
	if v := r.URL.Query().Get("v"); v != "" {
		fmt.Sscan(v, &version)
	}
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered the client
	}
	c := &gwConn{ws: ws, version: version}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ws.Close()
		return
	}
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		if c.session != nil && c.session.conn == c {
			c.session.conn = nil
		}
		c.ready = false
		s.notifyLocked()
		s.mu.Unlock()
		ws.Close()
	}()

	if enc := r.URL.Query().Get("encoding"); enc != "" && enc != "json" {
		s.closeConn(c, closeDecodeError, "the fake speaks encoding=json only")
		return
	}
	if err := s.write(c, mustJSON(frame{Op: 10, D: map[string]any{"heartbeat_interval": s.cfg.heartbeat.Milliseconds()}})); err != nil {
		return
	}
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		var p struct {
			Op int             `json:"op"`
			D  json.RawMessage `json:"d"`
		}
		if err := json.Unmarshal(data, &p); err != nil {
			s.closeConn(c, closeDecodeError, "Error while decoding payload.")
			return
		}
		switch p.Op {
		case 1: // heartbeat
			if s.write(c, mustJSON(map[string]any{"op": 11})) != nil {
				return
			}
		case 2:
			if !s.identify(c, p.D) {
				return
			}
		case 6:
			if !s.resume(c, p.D) {
				return
			}
		case 3, 4, 8: // presence, voice state, request guild members: accepted, ignored
			if c.session == nil {
				s.closeConn(c, closeNotAuthenticated, "Not authenticated.")
				return
			}
		default:
			s.closeConn(c, closeUnknownOpcode, "Unknown opcode.")
			return
		}
	}
}

// write sends one frame; callers other than dispatch paths that already
// hold gwMu use it.
func (s *Server) write(c *gwConn, b []byte) error {
	s.gwMu.Lock()
	defer s.gwMu.Unlock()
	return s.writeLocked(c, b)
}

// writeLocked sends one frame. Callers hold gwMu.
func (s *Server) writeLocked(c *gwConn, b []byte) error {
	c.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

func (s *Server) closeConn(c *gwConn, code int, text string) {
	c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(writeTimeout))
	c.ws.Close()
}

// identify answers op 2 with READY and GUILD_CREATEs. It returns false when
// the connection was closed.
func (s *Server) identify(c *gwConn, d json.RawMessage) bool {
	// Decoded by hand: discordgo.Identify's presence does not round-trip.
	var p struct {
		Token          string                       `json:"token"`
		Properties     discordgo.IdentifyProperties `json:"properties"`
		Compress       bool                         `json:"compress"`
		LargeThreshold int                          `json:"large_threshold"`
		Shard          *[2]int                      `json:"shard"`
		Intents        discordgo.Intent             `json:"intents"`
	}
	err := json.Unmarshal(d, &p)
	id := discordgo.Identify{Token: p.Token, Properties: p.Properties, Compress: p.Compress, LargeThreshold: p.LargeThreshold, Shard: p.Shard, Intents: p.Intents}
	s.mu.Lock()
	s.identifies = append(s.identifies, id)
	s.notifyLocked()
	s.mu.Unlock()
	if err != nil {
		s.closeConn(c, closeDecodeError, "Error while decoding payload.")
		return false
	}
	if id.Token != "Bot "+BotToken {
		s.closeConn(c, closeAuthFailed, "Authentication failed.")
		return false
	}
	if c.session != nil {
		s.closeConn(c, closeAlreadyAuthenticate, "Already authenticated.")
		return false
	}
	shard := [2]int{0, 1}
	if id.Shard != nil {
		shard = *id.Shard
	}
	if shard[1] < 1 || shard[0] < 0 || shard[0] >= shard[1] {
		s.closeConn(c, closeInvalidShard, "Invalid shard.")
		return false
	}

	s.gwMu.Lock()
	defer s.gwMu.Unlock()
	s.mu.Lock()
	sess := &gwSession{id: "session-" + s.nextIDLocked(), shard: shard, intents: int64(id.Intents), conn: c}
	c.session = sess
	s.sessions = append(s.sessions, sess)
	var own []string // the guilds of this session's shard
	for _, gid := range s.guildOrder {
		if sess.owns(gid) {
			own = append(own, gid)
		}
	}
	guilds := make([]map[string]any, 0, len(own))
	for _, gid := range own {
		guilds = append(guilds, map[string]any{"id": gid, "unavailable": true})
	}
	ready := map[string]any{
		"v":                  c.version,
		"user":               toMap(botUser()),
		"application":        map[string]any{"id": ApplicationID, "flags": 0},
		"session_id":         sess.id,
		"session_type":       "normal",
		"resume_gateway_url": s.GatewayURL(),
		"guilds":             guilds,
		"private_channels":   []any{},
		"relationships":      []any{},
	}
	if id.Shard != nil {
		ready["shard"] = id.Shard[:]
	}
	frames := [][]byte{s.recordLocked(sess, "READY", "", ready)}
	if sess.intents&int64(discordgo.IntentGuilds) != 0 {
		for _, gid := range own {
			frames = append(frames, s.recordLocked(sess, "GUILD_CREATE", gid, s.guildCreateLocked(gid)))
		}
	}
	s.mu.Unlock()

	for _, f := range frames {
		if s.writeLocked(c, f) != nil {
			return false
		}
	}
	s.markReady(c)
	return true
}

// resume answers op 6: replays missed events and sends RESUMED, or op 9
// (invalid session, not resumable) if the session is unknown or too old, after
// which discordgo identifies again on the same socket.
func (s *Server) resume(c *gwConn, d json.RawMessage) bool {
	var p struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int64  `json:"seq"`
	}
	if err := json.Unmarshal(d, &p); err != nil {
		s.closeConn(c, closeDecodeError, "Error while decoding payload.")
		return false
	}
	if p.Token != "Bot "+BotToken {
		s.closeConn(c, closeAuthFailed, "Authentication failed.")
		return false
	}

	s.gwMu.Lock()
	defer s.gwMu.Unlock()
	s.mu.Lock()
	var sess *gwSession
	for _, x := range s.sessions {
		if x.id == p.SessionID {
			sess = x
		}
	}
	if sess == nil || (len(sess.buf) > 0 && p.Seq < sess.buf[0].seq-1) {
		s.mu.Unlock()
		return s.writeLocked(c, mustJSON(frame{Op: 9, D: false})) == nil
	}
	var old *gwConn
	if sess.conn != nil && sess.conn != c {
		old = sess.conn
		old.ready = false
	}
	sess.conn = c
	c.session = sess
	var frames [][]byte
	for _, e := range sess.buf {
		if e.seq > p.Seq {
			frames = append(frames, e.frame)
		}
	}
	seq := sess.seq
	frames = append(frames, mustJSON(frame{Op: 0, T: "RESUMED", S: &seq, D: map[string]any{}}))
	s.resumes++
	s.mu.Unlock()

	if old != nil {
		old.ws.Close()
	}
	for _, f := range frames {
		if s.writeLocked(c, f) != nil {
			return false
		}
	}
	s.markReady(c)
	return true
}

func (s *Server) markReady(c *gwConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, live := s.conns[c]; live && c.session != nil && c.session.conn == c {
		c.ready = true
	}
	s.notifyLocked()
}

// owns reports whether the session's shard receives guildID's events;
// direct messages (no guild) go to shard 0, as on Discord.
func (sess *gwSession) owns(guildID string) bool {
	return ShardOf(guildID, sess.shard[1]) == sess.shard[0]
}

// recordLocked notes an event sent to a session (see Deliveries) and
// records it in the session. Callers hold gwMu and Server.mu.
func (s *Server) recordLocked(sess *gwSession, event, guildID string, data any) []byte {
	s.deliveries = append(s.deliveries, Delivery{Shard: sess.shard, Event: event, GuildID: guildID})
	return sess.recordLocked(event, data)
}

// recordLocked gives an event the session's next sequence number and keeps
// it for replay. Callers hold gwMu and Server.mu.
func (sess *gwSession) recordLocked(event string, data any) []byte {
	sess.seq++
	seq := sess.seq
	b := mustJSON(frame{Op: 0, T: event, S: &seq, D: data})
	sess.buf = append(sess.buf, sentEvent{seq, b})
	if len(sess.buf) > replayLimit {
		sess.buf = append([]sentEvent(nil), sess.buf[len(sess.buf)-replayLimit:]...)
	}
	return b
}

// Dispatch sends event (op 0, t=event, d=data) to every gateway session of
// the shard that owns data's guild_id (shard 0 when it has none), each with
// its next sequence number. Sessions that are disconnected get it on
// RESUME, as on Discord.
func (s *Server) Dispatch(event string, data any) {
	raw, err := json.Marshal(data)
	if err != nil {
		s.tb.Errorf("discordtest: Dispatch(%q): marshal data: %v", event, err)
		return
	}
	var g struct {
		GuildID string `json:"guild_id"`
	}
	_ = json.Unmarshal(raw, &g) // not an object: no guild, shard 0
	s.dispatch(event, g.GuildID, func(int64) (any, bool) { return json.RawMessage(raw), true })
}

// dispatch sends an event about guildID ("" for direct messages) to every
// session of the shard that owns it for which build returns true; build
// sees the session's intents. build must not need gwMu; it may lock mu.
func (s *Server) dispatch(event, guildID string, build func(intents int64) (any, bool)) {
	s.gwMu.Lock()
	defer s.gwMu.Unlock()
	s.mu.Lock()
	sessions := append([]*gwSession(nil), s.sessions...)
	s.mu.Unlock()
	for _, sess := range sessions {
		if !sess.owns(guildID) {
			continue
		}
		data, ok := build(sess.intents)
		if !ok {
			continue
		}
		s.mu.Lock()
		f := s.recordLocked(sess, event, guildID, data)
		c := sess.conn
		if c != nil && !c.ready {
			c = nil
		}
		s.mu.Unlock()
		if c != nil {
			// A failed write leaves the event buffered for RESUME.
			s.writeLocked(c, f)
		}
	}
}

// DropConnections closes every gateway socket abruptly, without a close
// frame, as a network failure would. discordgo notices on its next read,
// waits about a second in Session.Close and reconnects with RESUME.
func (s *Server) DropConnections() {
	s.mu.Lock()
	conns := make([]*gwConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
		if c.session != nil && c.session.conn == c {
			c.session.conn = nil
		}
		c.ready = false
		delete(s.conns, c)
	}
	s.notifyLocked()
	s.mu.Unlock()
	for _, c := range conns {
		c.ws.Close()
	}
}

// WaitReady blocks until a gateway connection is live and has been sent
// READY (after IDENTIFY) or RESUMED (after RESUME). After DropConnections it
// waits for a new one.
func (s *Server) WaitReady(timeout time.Duration) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		for c := range s.conns {
			if c.ready {
				s.mu.Unlock()
				return nil
			}
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			return fmt.Errorf("discordtest: no gateway session ready after %v", timeout)
		}
	}
}
