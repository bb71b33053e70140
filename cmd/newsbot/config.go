package main

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/discord"
	"github.com/newsbot/newsbot/bot/follow"
	"github.com/newsbot/newsbot/bot/llm"
	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/feeds"
	"github.com/newsbot/newsbot/corpus/ingest"
	"github.com/newsbot/newsbot/corpus/web"
)

// maxInputMB caps NEWSBOT_MAX_INPUT_MB: an article's input is held in
// memory whole, several times over while it is parsed and chunked.
const maxInputMB = 1024

// minFeedInterval is the shortest NEWSBOT_FEED_INTERVAL: a feed fetched
// more often than every second would be a load test of its publisher.
const minFeedInterval = time.Second

// minFollowInterval is the shortest NEWSBOT_FOLLOW_INTERVAL: tests post
// updates within a second; a server should keep the default.
const minFollowInterval = 10 * time.Millisecond

// maxFollowLimit bounds the follow limits: each follow costs a retrieval
// per interval in which articles arrive.
const maxFollowLimit = 10_000

// defaultDB is the database file when neither -db nor NEWSBOT_DB is given.
const defaultDB = "newsbot.db"

// config is every setting newsbot reads from the environment. Only run
// reads the environment (through getenv), so tests pass their own.
type config struct {
	DB     string
	dbFlag bool // DB came from -db: eval then uses it instead of a temporary store
	// IndexSnapshot is the index's snapshot file: NEWSBOT_INDEX_SNAPSHOT,
	// else the database path with ".index" appended (for PostgreSQL, a
	// file in the user's cache directory, see postgresSnapshot); "off"
	// for none.
	IndexSnapshot string
	// cacheDir is the user's cache directory ($XDG_CACHE_HOME, else
	// $HOME/.cache; "" when neither is set), read here because only run
	// reads the environment.
	cacheDir      string
	OpenAIKey     string
	OpenAIBaseURL string
	ChatModel     string
	LLMTimeout    time.Duration
	MinConfidence float64
	LogLevel      slog.Level
	logLevelSet   bool
	LogFile       string // where logs go instead of stderr

	DiscordToken      string
	DiscordGuildIDs   []string
	DiscordAPIURL     string
	DiscordGatewayURL string
	DiscordShards     discord.Sharding
	DiscordAppID      string
	MessageContent    bool
	ModRoles          []string
	UserPerMinute     int
	ServerPerMinute   int

	FetchAllow []string
	// MaxInputBytes bounds one article's input on every path: a file, a
	// jsonl line, an attachment, a web page, pasted text.
	MaxInputBytes int64
	// IngestBatch is the articles per transaction of a bulk ingest
	// (NEWSBOT_INGEST_BATCH); 0 means ingest's default.
	IngestBatch  int
	FeedInterval time.Duration
	// FeedLease is how long a feed claimed for a poll stays this
	// process's if the process dies mid-poll (NEWSBOT_FEED_LEASE).
	FeedLease time.Duration
	Feeds     []string
	// FollowInterval is the least time between two updates of one
	// follow (NEWSBOT_FOLLOW_INTERVAL); FollowLimits bound the follows of
	// a server and of a user in it (NEWSBOT_FOLLOWS_PER_SERVER, _PER_USER).
	FollowInterval time.Duration
	FollowLimits   corpus.FollowLimits
	// Hybrid retrieval: on when EmbedModel is set. The endpoint and key
	// default to the chat ones.
	EmbedModel   string
	EmbedBaseURL string
	EmbedAPIKey  string
	// ops is the HTTP server's and the logs' settings (http.go).
	ops opsConfig
}

func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		DB:            getenv("NEWSBOT_DB"),
		OpenAIKey:     strings.TrimSpace(getenv("OPENAI_API_KEY")),
		OpenAIBaseURL: strings.TrimSpace(getenv("OPENAI_BASE_URL")),
		ChatModel:     strings.TrimSpace(getenv("NEWSBOT_CHAT_MODEL")),
		LLMTimeout:    llm.DefaultTimeout,
	}
	if c.DB == "" {
		c.DB = defaultDB
	}
	c.IndexSnapshot = strings.TrimSpace(getenv("NEWSBOT_INDEX_SNAPSHOT"))
	c.cacheDir = strings.TrimSpace(getenv("XDG_CACHE_HOME"))
	if home := strings.TrimSpace(getenv("HOME")); c.cacheDir == "" && home != "" {
		c.cacheDir = filepath.Join(home, ".cache")
	}
	if v := getenv("NEWSBOT_LLM_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("NEWSBOT_LLM_TIMEOUT=%q: want a duration such as 30s", v)
		}
		c.LLMTimeout = d
	}
	if v := getenv("NEWSBOT_MIN_CONFIDENCE"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 || f > 1 {
			return c, fmt.Errorf("NEWSBOT_MIN_CONFIDENCE=%q: want a number above 0 and at most 1", v)
		}
		c.MinConfidence = f
	}
	c.DiscordToken = strings.TrimSpace(getenv("DISCORD_TOKEN"))
	c.DiscordGuildIDs = splitList(getenv("DISCORD_GUILD_IDS"))
	c.ModRoles = splitList(getenv("NEWSBOT_MOD_ROLES"))
	c.DiscordAPIURL = strings.TrimSpace(getenv("DISCORD_API_URL"))
	c.DiscordGatewayURL = strings.TrimSpace(getenv("DISCORD_GATEWAY_URL"))
	c.DiscordAppID = strings.TrimSpace(getenv("DISCORD_APPLICATION_ID"))
	sh, err := parseSharding(getenv)
	if err != nil {
		return c, err
	}
	c.DiscordShards = sh
	for _, id := range append(append([]string{}, c.DiscordGuildIDs...), c.ModRoles...) {
		if _, err := strconv.ParseUint(id, 10, 64); err != nil {
			return c, fmt.Errorf("DISCORD_GUILD_IDS / NEWSBOT_MOD_ROLES: %q is not a Discord id (a number)", id)
		}
	}
	if v := getenv("DISCORD_MESSAGE_CONTENT"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return c, fmt.Errorf("DISCORD_MESSAGE_CONTENT=%q: want true or false", v)
		}
		c.MessageContent = b
	}
	for _, r := range []struct {
		name string
		dst  *int
	}{{"NEWSBOT_USER_RATE", &c.UserPerMinute}, {"NEWSBOT_SERVER_RATE", &c.ServerPerMinute}} {
		if v := getenv(r.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return c, fmt.Errorf("%s=%q: want a positive number of questions per minute", r.name, v)
			}
			*r.dst = n
		}
	}
	allow, err := web.ParseAllow(getenv("NEWSBOT_FETCH_ALLOW"))
	if err != nil {
		return c, fmt.Errorf("NEWSBOT_FETCH_ALLOW: %w", err)
	}
	c.FetchAllow = allow
	c.MaxInputBytes = corpus.DefaultMaxBytes
	if n, ok, err := wholeSetting(getenv, "NEWSBOT_MAX_INPUT_MB", "MiB", maxInputMB); err != nil {
		return c, err
	} else if ok {
		c.MaxInputBytes = int64(n) << 20
	}
	if n, ok, err := wholeSetting(getenv, "NEWSBOT_INGEST_BATCH", "articles", ingest.MaxBatchArticles); err != nil {
		return c, err
	} else if ok {
		c.IngestBatch = n
	}
	c.FeedInterval = feeds.DefaultInterval
	if v := getenv("NEWSBOT_FEED_INTERVAL"); v != "" {
		d, err := time.ParseDuration(v)
		// Under a minute only makes sense in tests (the multi-process test
		// counts polls over a few intervals); publishers expect minutes.
		if err != nil || d < minFeedInterval {
			return c, fmt.Errorf("NEWSBOT_FEED_INTERVAL=%q: want a duration of at least %v, such as 15m", v, minFeedInterval)
		}
		c.FeedInterval = d
	}
	c.FeedLease = feeds.DefaultLease
	if v := getenv("NEWSBOT_FEED_LEASE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			return c, fmt.Errorf("NEWSBOT_FEED_LEASE=%q: want a duration of at least 1s, such as 10m", v)
		}
		c.FeedLease = d
	}
	c.Feeds = feeds.SplitURLs(getenv("NEWSBOT_FEEDS"))
	c.FollowInterval = follow.DefaultInterval
	if v := getenv("NEWSBOT_FOLLOW_INTERVAL"); v != "" {
		d, err := time.ParseDuration(v)
		// Short intervals are for tests; a channel wants minutes.
		if err != nil || d < minFollowInterval {
			return c, fmt.Errorf("NEWSBOT_FOLLOW_INTERVAL=%q: want a duration of at least %v, such as 10m", v, minFollowInterval)
		}
		c.FollowInterval = d
	}
	c.FollowLimits = corpus.FollowLimits{PerScope: bot.DefaultFollowsPerServer, PerUser: bot.DefaultFollowsPerUser}
	for _, s := range []struct {
		name string
		to   *int
	}{{"NEWSBOT_FOLLOWS_PER_SERVER", &c.FollowLimits.PerScope}, {"NEWSBOT_FOLLOWS_PER_USER", &c.FollowLimits.PerUser}} {
		if n, ok, err := wholeSetting(getenv, s.name, "", maxFollowLimit); err != nil {
			return c, err
		} else if ok {
			*s.to = n
		}
	}
	c.EmbedModel = strings.TrimSpace(getenv("NEWSBOT_EMBED_MODEL"))
	c.EmbedBaseURL = strings.TrimSpace(getenv("NEWSBOT_EMBED_BASE_URL"))
	if c.EmbedBaseURL == "" {
		c.EmbedBaseURL = c.OpenAIBaseURL
	}
	c.EmbedAPIKey = strings.TrimSpace(getenv("NEWSBOT_EMBED_API_KEY"))
	if c.EmbedAPIKey == "" {
		c.EmbedAPIKey = c.OpenAIKey
	}
	if c.EmbedModel != "" && c.EmbedBaseURL == "" && c.EmbedAPIKey == "" {
		return c, fmt.Errorf("NEWSBOT_EMBED_MODEL=%q needs an endpoint: set OPENAI_API_KEY (OpenAI) or NEWSBOT_EMBED_BASE_URL / OPENAI_BASE_URL", c.EmbedModel)
	}
	if v := getenv("NEWSBOT_LOG_LEVEL"); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			return c, fmt.Errorf("NEWSBOT_LOG_LEVEL=%q: want debug, info, warn or error", v)
		}
		c.logLevelSet = true
	}
	c.LogFile = strings.TrimSpace(getenv("NEWSBOT_LOG_FILE"))
	ops, err := loadOpsConfig(getenv)
	if err != nil {
		return c, err
	}
	c.ops = ops
	return c, nil
}

// indexSnapshot is the snapshot file of the database's index ("" for none):
// beside the database (PostgreSQL: in the cache directory) unless
// NEWSBOT_INDEX_SNAPSHOT says otherwise.
func (c config) indexSnapshot() string {
	switch {
	case c.IndexSnapshot == "off":
		return ""
	case c.IndexSnapshot != "":
		return c.IndexSnapshot
	case isPostgres(c.DB):
		return postgresSnapshot(c.cacheDir, c.DB)
	}
	return c.DB + ".index"
}

// dbName is the database as messages name it: the file, or the
// PostgreSQL URL without its password.
func (c config) dbName() string { return redactDSN(c.DB) }

// hasLLM reports whether an OpenAI-compatible endpoint is configured: a key
// (OpenAI itself) or a base URL (a local server that needs no key).
func (c config) hasLLM() bool { return c.OpenAIKey != "" || c.OpenAIBaseURL != "" }

// model is the chat model name to use.
func (c config) model() string {
	if c.ChatModel != "" {
		return c.ChatModel
	}
	return llm.DefaultModel
}

// splitList splits a comma-separated setting, dropping blanks.
func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// wholeSetting reads the setting name as a whole number from 1 to most
// (of unit, for the message); ok is false when it is unset.
func wholeSetting(getenv func(string) string, name, unit string, most int) (n int, ok bool, err error) {
	v := getenv(name)
	if v == "" {
		return 0, false, nil
	}
	n, err = strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 || n > most {
		of := ""
		if unit != "" {
			of = " of " + unit
		}
		return 0, false, fmt.Errorf("%s=%q: want a whole number%s from 1 to %d", name, v, of, most)
	}
	return n, true, nil
}
