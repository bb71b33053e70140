package main

import (
	"context"
	"testing"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/corpus"
	"github.com/newsbot/newsbot/corpus/postgres"
	"github.com/newsbot/newsbot/corpus/postgres/pgtest"
)

// TestModeratorAuditShared: a moderator's add and remove through one
// process's bot are in the shared store's audit trail, read by another
// process (its own connection pool), with who did them and in which server.
func TestModeratorAuditShared(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	open := func() *postgres.DB {
		db, err := postgres.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	writer, reader := open(), open()
	b := bot.New(nil, nil, writer, bot.Options{})
	mod := bot.Actor{UserID: "1001", ServerID: "2002", Moderator: true}
	rep, err := b.AddArticle(ctx, mod, corpus.Article{Title: "Riverton bridge opens", Body: bridgeArticle, PublishedAt: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)})
	if err != nil || rep.Added != 1 || len(rep.AddedArticles) != 1 {
		t.Fatalf("AddArticle(moderator) = %+v, %v; want 1 added", rep, err)
	}
	id := rep.AddedArticles[0].ID
	if _, err := b.Remove(ctx, mod, id); err != nil {
		t.Fatalf("Remove(moderator) = %v", err)
	}
	evs, err := reader.Events(ctx, mod.ServerID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 {
		t.Fatalf("Events(%s) from another process = %+v; want the add and the remove", mod.ServerID, evs)
	}
	for i, want := range []string{"remove", "add"} { // newest first
		e := evs[i]
		if e.Action != want || e.ArticleID != id || e.UserID != mod.UserID || e.ServerID != mod.ServerID || e.Actor != "discord:1001" {
			t.Errorf("event %d = %+v; want %s of article %d by discord:1001 in server %s", i, e, want, id, mod.ServerID)
		}
	}
}
