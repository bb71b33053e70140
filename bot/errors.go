package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/newsbot/newsbot/corpus"
)

// NotFoundError names what a command could not find, so the person is told
// "There is no feed #9 here." rather than about an article. It matches
// corpus.ErrNotFound with errors.Is.
type NotFoundError struct {
	What string // "article" or "feed"
	ID   int64
}

func (e *NotFoundError) Error() string { return fmt.Sprintf("%s %d: not found", e.What, e.ID) }

// Is makes errors.Is(err, corpus.ErrNotFound) true for a *NotFoundError.
func (e *NotFoundError) Is(target error) bool { return target == corpus.ErrNotFound }

// UserMessage turns err into the words the person who caused it sees, and
// reports whether err is theirs to see: bad input, a refused address, a
// missing article, a forbidden command, a timeout. For any other error
// (a store or network failure, a bug) it returns "", false: the frontend
// then shows its own apology and logs err in full for the operator, since
// such messages name internals that mean nothing to the person asking.
//
// Frontends call it instead of reading error texts: every case below is an
// errors.Is or errors.As test on the typed errors of corpus and bot.
func UserMessage(err error) (string, bool) {
	var (
		input   *corpus.InputError
		missing *NotFoundError
		dup     *corpus.DuplicateError
		dupFeed *corpus.DuplicateFeedError
		follow  *FollowError
		limit   *corpus.FollowLimitError
	)
	switch {
	case err == nil:
		return "", false
	case errors.Is(err, ErrEmptyQuestion):
		return "Please ask a question with some words in it.", true
	case errors.As(err, &follow):
		return follow.Reason, true
	case errors.As(err, &limit):
		return "Not followed: " + limit.Error() + ". Remove one with /unfollow first (/following lists them).", true
	case errors.Is(err, ErrNoFollows):
		return "Following questions is not available here.", true
	case errors.Is(err, ErrForbidden):
		return "Only moderators can do that, and only with this server's own articles and feeds.", true
	case errors.As(err, &missing):
		return fmt.Sprintf("There is no %s #%d here.", missing.What, missing.ID), true
	case errors.Is(err, corpus.ErrNotFound):
		return "That was not found.", true
	case errors.As(err, &dupFeed):
		return fmt.Sprintf("That feed is followed already (feed #%d).", dupFeed.ExistingID), true
	case errors.As(err, &dup):
		return fmt.Sprintf("Nothing added: the corpus has that article already (#%d, same %s).", dup.ExistingID, dup.By), true
	case errors.Is(err, corpus.ErrNotFeed):
		return "That address is not an RSS, Atom or JSON feed, and the page links to none.", true
	case errors.As(err, &input):
		return inputMessage(input), true
	case errors.Is(err, ErrNoFetcher):
		return "Adding articles by link is not enabled on this bot.", true
	case errors.Is(err, ErrNoFeeds):
		return "Feeds are not enabled on this bot.", true
	case errors.Is(err, context.DeadlineExceeded):
		return "That took too long; please try again later.", true
	}
	return "", false
}

// inputMessage words a refused input by its kind; the reason says the rest.
func inputMessage(e *corpus.InputError) string {
	reason := strings.TrimSuffix(e.Reason, ".")
	switch e.Kind {
	case corpus.ErrRefused:
		return "I won't fetch that address: " + reason + "."
	case corpus.ErrUnavailable:
		return "I could not get that page: " + reason + "."
	case corpus.ErrTooLarge:
		return "That is too large: " + reason + "."
	case corpus.ErrNotText:
		return "That is not text: " + reason + "."
	case corpus.ErrUnsupported:
		return "I can't read that: " + reason + "."
	case corpus.ErrFeedNotPage:
		return "That is not an article: " + reason + ". If it is an RSS, Atom or JSON feed, follow it with /feeds add."
	}
	return "I could not read an article from that: " + reason + "."
}
