package discord

import "time"

// SetAnswerTimeout shortens how long the frontend gives one question, so
// tests can run past it; call it before Run.
func SetAnswerTimeout(f *Frontend, d time.Duration) { f.answerTimeout = d }

// SetIdentifyInterval shortens the wait between groups of shards identifying.
func SetIdentifyInterval(f *Frontend, d time.Duration) { f.identifyInterval = d }
