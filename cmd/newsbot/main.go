// Command newsbot answers questions about the news from a local corpus, in
// Discord or on a local console. See README.md for commands and settings.
package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"syscall"

	"github.com/joho/godotenv"
)

func main() {
	// A missing .env is normal (settings may come from the environment);
	// one that cannot be read is not: without it the bot might quietly
	// start as the console instead of in Discord.
	if err := godotenv.Load(); err != nil && !errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintln(os.Stderr, "newsbot: reading .env:", err)
		os.Exit(exitFailed)
	}
	// Ctrl-C goes to run rather than cancelling ctx: the console stops only
	// the answer in progress, every other command stops.
	interrupts := make(chan os.Signal, 1)
	signal.Notify(interrupts, os.Interrupt)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	err := runInterruptible(ctx, interrupts, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitStatus(err, os.Stderr))
}
