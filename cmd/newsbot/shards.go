package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/newsbot/newsbot/bot/discord"
)

// parseSharding reads DISCORD_SHARD_ID and DISCORD_SHARD_COUNT: unset runs
// one unsharded session; a count and an id run that one shard (one process
// per shard); DISCORD_SHARD_COUNT=auto runs every shard Discord asks for in
// this process.
func parseSharding(getenv func(string) string) (discord.Sharding, error) {
	var sh discord.Sharding
	id, count := strings.TrimSpace(getenv("DISCORD_SHARD_ID")), strings.TrimSpace(getenv("DISCORD_SHARD_COUNT"))
	switch {
	case strings.EqualFold(count, "auto"):
		sh.Auto = true
	case count != "":
		n, err := strconv.Atoi(count)
		if err != nil || n < 1 {
			return sh, fmt.Errorf("DISCORD_SHARD_COUNT=%q: want a positive number of shards or auto", count)
		}
		sh.Count = n
	}
	if id != "" {
		n, err := strconv.Atoi(id)
		if err != nil || n < 0 {
			return sh, fmt.Errorf("DISCORD_SHARD_ID=%q: want a shard number from 0", id)
		}
		sh.ID = n
	}
	if err := sh.Validate(); err != nil {
		return sh, err
	}
	return sh, nil
}
