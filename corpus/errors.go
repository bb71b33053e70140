package corpus

import (
	"errors"
	"fmt"
)

// Errors that stores, readers and fetchers report. Callers test them with
// errors.Is; bot turns them into the words a user sees, so no caller ever
// needs to look inside an error's text.
var (
	// ErrNotFound means the article (or other record) does not exist or is
	// not visible in the caller's scopes.
	ErrNotFound = errors.New("not found")
	// ErrDuplicate means an article with the same canonical URL or the same
	// normalised body is already stored. The concrete error is a *DuplicateError.
	ErrDuplicate = errors.New("duplicate article")
	// ErrInvalid means the input cannot become an article (no body, bad URL,
	// binary data, too large...). The concrete error is usually an *InputError.
	ErrInvalid = errors.New("invalid article")

	// ErrTooLarge means an input is over the size limit for one article.
	ErrTooLarge = errors.New("too large")
	// ErrNotText means an input is binary data (an image, an archive, a
	// PDF) rather than text.
	ErrNotText = errors.New("not text")
	// ErrUnsupported means a file type, URL scheme or content type that
	// newsbot cannot read.
	ErrUnsupported = errors.New("unsupported")
	// ErrFeedNotPage means a feed (or another data document) was given
	// where an article's page was expected, so a frontend can say how to
	// follow it instead. It is a kind of ErrUnsupported: errors.Is matches
	// both.
	ErrFeedNotPage = errors.New("a feed or data, not a page")
	// ErrRefused means an address newsbot will not fetch: a private or
	// loopback address, a URL with credentials, too many redirects.
	ErrRefused = errors.New("refused")
	// ErrNotFeed means a document is not an RSS, Atom or JSON feed.
	ErrNotFeed = errors.New("not a feed")
	// ErrUnavailable means a site answered with an error status.
	ErrUnavailable = errors.New("site unavailable")
)

// InputError is input refused for a reason the person who gave it can act
// on. Kind is one of the Err values above, for errors.Is; Reason says what
// is wrong in plain words ("127.0.0.1 is a loopback address", "larger than
// the 5 MiB limit for one article"), so a frontend can show it as is.
type InputError struct {
	Kind   error
	Reason string
}

// Error is the reason, after the kind except for plain invalid input
// (whose reasons read well alone: "record 3: no body/text/content field").
func (e *InputError) Error() string {
	if e.Kind == nil || e.Kind == ErrInvalid {
		return e.Reason
	}
	return e.Kind.Error() + ": " + e.Reason
}

// Is matches the error's Kind, ErrUnsupported for ErrFeedNotPage, and
// ErrInvalid for the kinds that describe the content itself (too large, not
// text, unsupported): such input can never become an article, however
// often it is retried.
func (e *InputError) Is(target error) bool {
	switch target {
	case e.Kind:
		return true
	case ErrUnsupported:
		return e.Kind == ErrFeedNotPage
	case ErrInvalid:
		return e.Kind == ErrTooLarge || e.Kind == ErrNotText || e.Kind == ErrUnsupported || e.Kind == ErrFeedNotPage
	}
	return false
}

// Invalidf returns an *InputError of kind; Reason is the formatted text.
func Invalidf(kind error, format string, args ...any) error {
	return &InputError{Kind: kind, Reason: fmt.Sprintf(format, args...)}
}

// invalidf returns an *InputError of kind ErrInvalid.
func invalidf(format string, args ...any) error { return Invalidf(ErrInvalid, format, args...) }

// DuplicateError tells which stored article a new one duplicates and why.
type DuplicateError struct {
	ExistingID int64
	By         string // "url" or "content"
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("duplicate article: same %s as article %d", e.By, e.ExistingID)
}

// Is makes errors.Is(err, ErrDuplicate) true for a *DuplicateError.
func (e *DuplicateError) Is(target error) bool { return target == ErrDuplicate }
