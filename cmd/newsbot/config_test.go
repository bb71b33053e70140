package main

import (
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/follow"
	"github.com/newsbot/newsbot/corpus/feeds"
)

// TestFeedSettings: NEWSBOT_FEED_INTERVAL and NEWSBOT_FEED_LEASE, their
// defaults, their floors and the messages that name them.
func TestFeedSettings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                string
		interval, lease     string
		wantInterval, wantL time.Duration
		wantErr             string
	}{
		{name: "defaults", wantInterval: feeds.DefaultInterval, wantL: feeds.DefaultLease},
		{name: "set", interval: "20m", lease: "5m", wantInterval: 20 * time.Minute, wantL: 5 * time.Minute},
		{name: "short, for tests", interval: "2s", lease: "1s", wantInterval: 2 * time.Second, wantL: time.Second},
		{name: "interval too short", interval: "500ms", wantErr: "NEWSBOT_FEED_INTERVAL"},
		{name: "interval not a duration", interval: "often", wantErr: "NEWSBOT_FEED_INTERVAL"},
		{name: "lease too short", lease: "10ms", wantErr: "NEWSBOT_FEED_LEASE"},
		{name: "lease not a duration", lease: "10", wantErr: "NEWSBOT_FEED_LEASE"},
	} {
		env := map[string]string{"NEWSBOT_FEED_INTERVAL": tc.interval, "NEWSBOT_FEED_LEASE": tc.lease}
		c, err := loadConfig(func(k string) string { return env[k] })
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: loadConfig = %v; want an error naming %s", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil || c.FeedInterval != tc.wantInterval || c.FeedLease != tc.wantL {
			t.Errorf("%s: interval %v, lease %v, err %v; want %v, %v", tc.name, c.FeedInterval, c.FeedLease, err, tc.wantInterval, tc.wantL)
		}
	}
}

// TestFollowSettings: NEWSBOT_FOLLOW_INTERVAL, NEWSBOT_FOLLOWS_PER_SERVER
// and NEWSBOT_FOLLOWS_PER_USER, their defaults, bounds and messages.
func TestFollowSettings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                   string
		interval, server, user string
		wantInterval           time.Duration
		wantServer, wantUser   int
		wantErr                string
	}{
		{name: "defaults", wantInterval: follow.DefaultInterval, wantServer: bot.DefaultFollowsPerServer, wantUser: bot.DefaultFollowsPerUser},
		{name: "set", interval: "30m", server: "50", user: "3", wantInterval: 30 * time.Minute, wantServer: 50, wantUser: 3},
		{name: "short, for tests", interval: "50ms", wantInterval: 50 * time.Millisecond, wantServer: bot.DefaultFollowsPerServer, wantUser: bot.DefaultFollowsPerUser},
		{name: "interval too short", interval: "1ms", wantErr: "NEWSBOT_FOLLOW_INTERVAL"},
		{name: "interval not a duration", interval: "hourly", wantErr: "NEWSBOT_FOLLOW_INTERVAL"},
		{name: "server limit zero", server: "0", wantErr: "NEWSBOT_FOLLOWS_PER_SERVER"},
		{name: "user limit not a number", user: "five", wantErr: "NEWSBOT_FOLLOWS_PER_USER"},
	} {
		env := map[string]string{"NEWSBOT_FOLLOW_INTERVAL": tc.interval, "NEWSBOT_FOLLOWS_PER_SERVER": tc.server, "NEWSBOT_FOLLOWS_PER_USER": tc.user}
		c, err := loadConfig(func(k string) string { return env[k] })
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: loadConfig = %v; want an error naming %s", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil || c.FollowInterval != tc.wantInterval || c.FollowLimits.PerScope != tc.wantServer || c.FollowLimits.PerUser != tc.wantUser {
			t.Errorf("%s: interval %v, limits %+v, err %v; want %v, %d per server, %d per user", tc.name, c.FollowInterval, c.FollowLimits, err, tc.wantInterval, tc.wantServer, tc.wantUser)
		}
	}
}

// TestIngestBatchSetting: NEWSBOT_INGEST_BATCH, its default (ingest's),
// bounds and message.
func TestIngestBatchSetting(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		value   string
		want    int
		wantErr bool
	}{
		{"", 0, false},
		{"250", 250, false},
		{" 5000 ", 5000, false},
		{"0", 0, true},
		{"-3", 0, true},
		{"lots", 0, true},
		{"100001", 0, true},
	} {
		c, err := loadConfig(func(k string) string {
			if k == "NEWSBOT_INGEST_BATCH" {
				return tc.value
			}
			return ""
		})
		if tc.wantErr {
			if err == nil || !strings.Contains(err.Error(), "NEWSBOT_INGEST_BATCH") {
				t.Errorf("NEWSBOT_INGEST_BATCH=%q: loadConfig = %v; want an error naming the setting", tc.value, err)
			}
			continue
		}
		if err != nil || c.IngestBatch != tc.want {
			t.Errorf("NEWSBOT_INGEST_BATCH=%q: batch %d, err %v; want %d", tc.value, c.IngestBatch, err, tc.want)
		}
	}
}
