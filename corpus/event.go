package corpus

import "time"

// Event is one entry of the audit trail: who added or removed which
// article, where and when. Moderators act in public servers, so every
// change to the corpus is attributable.
type Event struct {
	ID        int64
	At        time.Time
	Action    string // "add" or "remove"
	ArticleID int64
	Title     string
	UserID    string // Discord user id; empty for the console and CLI
	ServerID  string // Discord server id; empty in DMs and on the console
	Actor     string // who, as stored in Article.AddedBy ("discord:1", "console", "cli")
}
