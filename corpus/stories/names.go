package stories

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
	"github.com/newsbot/newsbot/corpus"
)

// Features are what a report of an event names: people, places and
// organisations (the terms of capitalised words), specific numbers and
// calendar dates, and the thing its headline is about (see
// addTopicTerms), each with its salience in the article.
type Features map[string]float64

// titleBoost is the salience a feature gains from being in the title:
// the headline names what the article is about, the body also names the
// background.
const titleBoost = 2

// Feature prefixes keep numbers and dates apart from names.
const (
	numberPrefix = "#"
	datePrefix   = "@"
)

var months = map[string]int{
	"january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
	"may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
	"september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
	"december": 12, "dec": 12,
}

// commonCapitalised are capitalised words that name no one: weekdays,
// titles and the words that start sentences often enough to slip past
// the sentence-start rule.
var commonCapitalised = map[string]bool{
	"monday": true, "tuesday": true, "wednesday": true, "thursday": true, "friday": true,
	"saturday": true, "sunday": true, "mr": true, "mrs": true, "ms": true, "dr": true,
	"said": true, "says": true, "according": true, "however": true, "also": true,
	"today": true, "yesterday": true, "tomorrow": true, "news": true,
	// Wire credits in datelines ("(AP) —") name the agency, not the
	// event; every story the agency sends carries them.
	"ap": true, "reuters": true, "afp": true, "upi": true,
	// Photo credits ("Getty Images") likewise name the agency.
	"getty": true, "images": true,
}

// token is a word of raw text with what the feature rules need to know.
type token struct {
	word    string // without surrounding punctuation
	initial bool   // first word of a sentence or line
}

// tokenize splits text into words, marking those that start a sentence.
func tokenize(text string) []token {
	var out []token
	initial := true
	for f := range strings.FieldsSeq(text) {
		w := strings.TrimFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		if w != "" {
			out = append(out, token{word: w, initial: initial})
			initial = false
		}
		// Quotes and brackets may follow the full stop: "... he said."
		end := strings.TrimRight(f, "\"'’”)]")
		if strings.HasSuffix(end, ".") || strings.HasSuffix(end, "!") || strings.HasSuffix(end, "?") || strings.HasSuffix(end, ":") {
			initial = true
		}
	}
	return out
}

func capitalised(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsUpper(r)
}

// number returns a token's canonical form when it is a specific number:
// at least 10 (smaller ones are everywhere) and not a year (every article
// of a year has it).
func number(w string) (string, bool) {
	s := strings.ReplaceAll(w, ",", "")
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 10 {
		return "", false
	}
	if f == math.Trunc(f) && f >= 1900 && f <= 2100 {
		return "", false
	}
	return s, true
}

// dayOfMonth parses w as a day of the month.
func dayOfMonth(w string) (int, bool) {
	w = strings.TrimRight(w, "stndrh")
	d, err := strconv.Atoi(w)
	return d, err == nil && d >= 1 && d <= 31
}

// features extracts an article's features. A capitalised word is a name
// unless it starts a sentence and the article never capitalises it
// elsewhere ("Officials said" is not a name, "Milton" is wherever it
// stands). Salience is 1 + ln(count) in the body plus titleBoost for a
// title feature: a name mentioned ten times is central, but not ten
// times more than one mentioned once. The title's topic words are added
// last (addTopicTerms).
func (m *Matcher) features(a *corpus.Article) Features {
	return m.featuresOf(analyse(&m.analyzer, a))
}

// featuresOf is features of an analysed article.
func (m *Matcher) featuresOf(t analysed) Features {
	a := t.a
	// The outlet's own name is in its bylines and footers, not the event.
	outlet := make(map[string]bool)
	for _, w := range strings.Fields(strings.ToLower(a.Source)) {
		outlet[strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })] = true
	}
	counts := make(map[string]int)
	midCapital := make(map[string]bool) // terms capitalised somewhere other than at a sentence start
	type cand struct {
		term    string
		initial bool
	}
	var found []cand
	scan := func(text string, title bool) {
		toks := tokenize(text)
		for i, t := range toks {
			lw := strings.ToLower(t.word)
			if mo, ok := months[lw]; ok && capitalised(t.word) {
				if i+1 < len(toks) {
					if d, ok := dayOfMonth(toks[i+1].word); ok {
						found = append(found, cand{datePrefix + strconv.Itoa(mo) + "-" + strconv.Itoa(d), false})
					}
				}
				if i > 0 {
					if d, ok := dayOfMonth(toks[i-1].word); ok {
						found = append(found, cand{datePrefix + strconv.Itoa(mo) + "-" + strconv.Itoa(d), false})
					}
				}
				continue
			}
			if n, ok := number(t.word); ok {
				found = append(found, cand{numberPrefix + n, false})
				continue
			}
			if !capitalised(t.word) || commonCapitalised[lw] || english.IsStopWord(lw) || outlet[lw] {
				continue
			}
			for _, term := range m.analyzer.Terms(t.word) {
				if len(term) < 2 || english.IsStopWord(term) {
					continue
				}
				// Title case capitalises every word of a headline,
				// so the title vouches for no name on its own.
				initial := t.initial || title
				if !initial {
					midCapital[term] = true
				}
				found = append(found, cand{term, initial})
			}
		}
	}
	scan(a.Title, true)
	titleFound := len(found)
	inTitle := make(map[string]bool)
	for _, p := range t.content {
		scan(p, false)
	}
	for i, c := range found {
		if c.initial && !strings.HasPrefix(c.term, numberPrefix) && !strings.HasPrefix(c.term, datePrefix) && !midCapital[c.term] {
			continue
		}
		if i < titleFound {
			inTitle[c.term] = true
		} else {
			counts[c.term]++
		}
	}
	fs := make(Features, len(counts)+len(inTitle))
	for t, n := range counts {
		fs[t] = 1 + math.Log(float64(n))
	}
	for t := range inTitle {
		fs[t] += titleBoost
	}
	m.addTopicTerms(fs, t)
	return fs
}

// addTopicTerms adds to fs the words of the title that name no one but
// say what the event is (penny, measles, listeria, strike), when the body
// uses them too: two reports of one event from different angles ("Trump
// wants the penny gone", "The end of the penny: what to do with the
// coins") share few names beyond the obvious one but share the thing
// itself. The body's use keeps out the words of the headline's form
// ("what to know", "how it works") that headlineWords misses. Salience is
// that of a name in the title: titleBoost plus 1 + ln(count) in the body.
func (m *Matcher) addTopicTerms(fs Features, t analysed) {
	body := make(map[string]int)
	// QueryTerms leaves out stop words before stemming them: "does" is
	// a stop word, its stem "doe" is not.
	for _, w := range m.analyzer.QueryTerms(t.a.Title) {
		if _, ok := fs[w]; ok || len(w) < minTopicLen || headlineWords[w] || !unicode.IsLetter(rune(w[0])) {
			continue
		}
		body[w] = 0
	}
	if len(body) == 0 {
		return
	}
	for _, p := range t.paragraphs {
		for _, w := range p {
			if n, ok := body[w]; ok {
				body[w] = n + 1
			}
		}
	}
	for w, n := range body {
		if n > 0 {
			fs[w] = titleBoost + 1 + math.Log(float64(n))
		}
	}
}

// minTopicLen is the shortest topic word: two letters are initials and
// abbreviations the name rule handles ("AI", "EU"), or noise.
const minTopicLen = 3

// headlineWords are the stems of the words headlines are built of
// whatever the event ("what to know", "live updates", "a look at", "full
// list"): every second headline has them, so they say nothing of which
// event it is. Stop words are left out anyway.
var headlineWords = map[string]bool{
	"know": true, "updat": true, "live": true, "latest": true, "new": true, "say": true, "said": true,
	"look": true, "watch": true, "full": true, "list": true, "explain": true, "want": true, "get": true,
	"day": true, "week": true, "year": true, "time": true, "today": true, "work": true, "need": true,
	"make": true, "take": true, "one": true, "two": true, "first": true, "report": true, "news": true,
	"video": true, "photo": true, "see": true, "show": true, "happen": true, "thing": true, "way": true,
	"still": true, "next": true, "back": true, "expect": true, "mean": true,
}
