package main

import (
	"fmt"
	"log/slog"
	"strings"
)

// redactedMark replaces a secret wherever it would be printed.
const redactedMark = "[redacted]"

// minSecretLen: shorter values (a placeholder such as "x" for a local
// server that needs no key) are no secret, and replacing them would garble
// every log line.
const minSecretLen = 8

// redactor removes secrets from text. Providers and proxies echo the API
// key in error messages ("Incorrect API key provided: sk-..."), and those
// errors reach the log; the redactor is the one place that keeps them out,
// whatever a library puts in its errors.
type redactor struct{ r *strings.Replacer }

// newRedactor returns a redactor for the non-trivial secrets among secrets.
func newRedactor(secrets ...string) redactor {
	var pairs []string
	for _, s := range secrets {
		if len(s) >= minSecretLen {
			pairs = append(pairs, s, redactedMark)
		}
	}
	if len(pairs) == 0 {
		return redactor{}
	}
	return redactor{strings.NewReplacer(pairs...)}
}

// secretsOf lists the secrets in a configuration.
func secretsOf(c config) []string {
	return []string{c.DiscordToken, c.OpenAIKey, c.EmbedAPIKey, dsnPassword(c.DB)}
}

func (r redactor) String(s string) string {
	if r.r == nil {
		return s
	}
	return r.r.Replace(s)
}

// Attr is a slog.HandlerOptions.ReplaceAttr: every attribute, the message
// included, is written without secrets. Non-string values (errors above
// all) are checked through their printed form.
func (r redactor) Attr(_ []string, a slog.Attr) slog.Attr {
	if r.r == nil {
		return a
	}
	switch a.Value.Kind() {
	case slog.KindString:
		if s := a.Value.String(); r.String(s) != s {
			a.Value = slog.StringValue(r.String(s))
		}
	case slog.KindAny:
		s := fmt.Sprint(a.Value.Any())
		if red := r.String(s); red != s {
			a.Value = slog.StringValue(red)
		}
	}
	return a
}

// Err returns err with secrets removed from its message; errors.Is and
// errors.As still see the original.
func (r redactor) Err(err error) error {
	if err == nil || r.r == nil {
		return err
	}
	if msg := err.Error(); r.String(msg) != msg {
		return &redactedError{msg: r.String(msg), err: err}
	}
	return err
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
