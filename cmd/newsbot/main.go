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
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "newsbot:", err)
		os.Exit(1)
	}
}
