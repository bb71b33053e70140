package main

import (
	"strings"
	"testing"

	"github.com/newsbot/newsbot/bot/discord"
)

func TestShardSettings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		id, count string
		want      discord.Sharding
		wantErr   string
	}{
		{"", "", discord.Sharding{}, ""},
		{"1", "4", discord.Sharding{ID: 1, Count: 4}, ""},
		{"", "2", discord.Sharding{Count: 2}, ""},
		{"", "auto", discord.Sharding{Auto: true}, ""},
		{"", "AUTO", discord.Sharding{Auto: true}, ""},
		{"2", "2", discord.Sharding{}, "DISCORD_SHARD_ID 2 must be below DISCORD_SHARD_COUNT 2"},
		{"one", "2", discord.Sharding{}, `DISCORD_SHARD_ID="one": want a shard number from 0`},
		{"0", "two", discord.Sharding{}, `DISCORD_SHARD_COUNT="two": want a positive number of shards or auto`},
		{"0", "0", discord.Sharding{}, `DISCORD_SHARD_COUNT="0"`},
		{"-1", "2", discord.Sharding{}, `DISCORD_SHARD_ID="-1"`},
		{"1", "", discord.Sharding{}, "DISCORD_SHARD_ID 1 needs DISCORD_SHARD_COUNT"},
		{"1", "auto", discord.Sharding{}, "must be unset with DISCORD_SHARD_COUNT=auto"},
	} {
		env := map[string]string{"DISCORD_SHARD_ID": tc.id, "DISCORD_SHARD_COUNT": tc.count}
		c, err := loadConfig(func(k string) string { return env[k] })
		switch {
		case tc.wantErr == "" && (err != nil || c.DiscordShards != tc.want):
			t.Errorf("loadConfig(id %q, count %q) = %+v, %v; want %+v", tc.id, tc.count, c.DiscordShards, err, tc.want)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("loadConfig(id %q, count %q) error = %v; want %q", tc.id, tc.count, err, tc.wantErr)
		}
	}
}
