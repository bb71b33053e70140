package eval

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/newsbot/newsbot/corpus/parse"
)

// Format names a question set's format.
type Format string

// The formats Run knows.
const (
	// Generic is newsbot's own JSONL: one {"id", "question", "asked_at",
	// "gold_urls", "answer", "aliases"} per line, optionally with "type",
	// "split" and, for a follow-up, "context" (the earlier exchange).
	Generic Format = "generic"
	// RealTimeQA is the RealTime QA benchmark's questions file (JSONL with
	// question_id, question_date, question_sentence, choices, answer).
	RealTimeQA Format = "realtimeqa"
	// MultiHop is MultiHop-RAG's MultiHopRAG.json (a JSON array of query,
	// answer, question_type, evidence_list).
	MultiHop Format = "multihop"
)

// Question is one evaluation question in any format; the fields a format
// does not have are empty.
type Question struct {
	ID   string
	Text string
	// AsOf is when the question is asked: the end of its date, so articles
	// published that day count as past. Zero means the Runner's default.
	AsOf time.Time
	// GoldURLs are the articles that answer it (Generic). Empty in a Generic
	// set means the corpus cannot answer it: the bot should refuse.
	GoldURLs []string
	// Answers are the accepted answer texts: the answer and its aliases
	// (Generic), the correct choice (RealTimeQA), the gold answer (MultiHop).
	Answers []string
	// Choices and Correct are the multiple-choice options and the index of
	// the right one (RealTimeQA); Correct is -1 when there are none.
	Choices []string
	Correct int
	// Facts are the evidence sentences retrieval should find (MultiHop).
	Facts []string
	// Type is MultiHop's question_type ("inference_query", ...), or a
	// Generic question's type ("fact", "followup", "nearmiss", ...): the
	// metrics are reported per type too.
	Type string
	// Split is a Generic question's part of its set ("fit", "heldout"),
	// for evaluating one part (Runner callers filter by it).
	Split string
	// Context is a Generic follow-up's earlier exchange (question and
	// answer), passed to retrieval as a conversation would.
	Context string
}

// Answerable reports whether a Generic question has gold articles.
func (q Question) Answerable() bool { return len(q.GoldURLs) > 0 }

// maxQuestionLine bounds one line of a questions file: RealTime QA lines
// are under 2 KB, so a longer one is not a question.
const maxQuestionLine = 1 << 20

// endOfDay turns a date into the last second of that day, the moment a
// question of that date is asked; a time with a clock part is kept.
func endOfDay(t time.Time) time.Time {
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Add(24*time.Hour - time.Second)
	}
	return t
}

// parseAsOf reads a question date (any parse.ParseDate form) as the end of
// that day; "" gives the zero time.
func parseAsOf(s string) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, nil
	}
	t, err := parse.ParseDate(s)
	if err != nil {
		return time.Time{}, err
	}
	return endOfDay(t), nil
}

// eachLine calls fn with every non-blank line of r and its 1-based number.
func eachLine(r io.Reader, fn func(n int, line []byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxQuestionLine)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if err := fn(n, line); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
	}
	return sc.Err()
}

// genericQuestion is a line of the Generic format.
type genericQuestion struct {
	ID       string   `json:"id"`
	Question string   `json:"question"`
	AskedAt  string   `json:"asked_at"`
	GoldURLs []string `json:"gold_urls"`
	Answer   string   `json:"answer"`
	Aliases  []string `json:"aliases"`
	Type     string   `json:"type"`
	Split    string   `json:"split"`
	Context  string   `json:"context"`
}

// LoadGeneric reads a Generic JSONL question set. A line without a
// question or with a bad date is an error naming the line.
func LoadGeneric(r io.Reader) ([]Question, error) {
	var qs []Question
	err := eachLine(r, func(n int, line []byte) error {
		var g genericQuestion
		if err := json.Unmarshal(line, &g); err != nil {
			return fmt.Errorf("bad JSON: %w", err)
		}
		if strings.TrimSpace(g.Question) == "" {
			return errors.New("no question")
		}
		asOf, err := parseAsOf(g.AskedAt)
		if err != nil {
			return fmt.Errorf("asked_at: %w", err)
		}
		q := Question{ID: g.ID, Text: g.Question, AsOf: asOf, Correct: -1,
			Type: strings.TrimSpace(g.Type), Split: strings.TrimSpace(g.Split), Context: strings.TrimSpace(g.Context)}
		if q.ID == "" {
			q.ID = strconv.Itoa(n)
		}
		for _, u := range g.GoldURLs {
			if u = strings.TrimSpace(u); u != "" {
				q.GoldURLs = append(q.GoldURLs, u)
			}
		}
		for _, a := range append([]string{g.Answer}, g.Aliases...) {
			if a = strings.TrimSpace(a); a != "" {
				q.Answers = append(q.Answers, a)
			}
		}
		qs = append(qs, q)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load questions: %w", err)
	}
	return qs, nil
}

// realTimeQAQuestion is a line of RealTime QA's questions file.
type realTimeQAQuestion struct {
	ID       string   `json:"question_id"`
	Date     string   `json:"question_date"`
	Sentence string   `json:"question_sentence"`
	Choices  []string `json:"choices"`
	Answer   []string `json:"answer"` // one 0-based index, as a string
}

// LoadRealTimeQA reads RealTime QA questions (JSONL). The query is the
// question sentence alone, as text (see questionText), asked at the end of
// question_date ("2025/01/01"); the choices are kept for scoring only. A
// question whose answer index is missing or out of range is an error.
func LoadRealTimeQA(r io.Reader) ([]Question, error) {
	var qs []Question
	err := eachLine(r, func(n int, line []byte) error {
		var g realTimeQAQuestion
		if err := json.Unmarshal(line, &g); err != nil {
			return fmt.Errorf("bad JSON: %w", err)
		}
		g.Sentence = questionText(g.Sentence)
		if g.Sentence == "" {
			return fmt.Errorf("question %s: no question_sentence", g.ID)
		}
		asOf, err := parseAsOf(g.Date)
		if err != nil {
			return fmt.Errorf("question %s: question_date: %w", g.ID, err)
		}
		if len(g.Answer) != 1 {
			return fmt.Errorf("question %s: want one answer index, got %d", g.ID, len(g.Answer))
		}
		idx, err := strconv.Atoi(strings.TrimSpace(g.Answer[0]))
		if err != nil || idx < 0 || idx >= len(g.Choices) {
			return fmt.Errorf("question %s: answer %q is not a choice index (0-%d)", g.ID, g.Answer[0], len(g.Choices)-1)
		}
		qs = append(qs, Question{
			ID:      g.ID,
			Text:    g.Sentence,
			AsOf:    asOf,
			Answers: []string{g.Choices[idx]},
			Choices: g.Choices,
			Correct: idx,
		})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load RealTime QA questions: %w", err)
	}
	return qs, nil
}

// multiHopQuery is one element of MultiHopRAG.json.
type multiHopQuery struct {
	Query    string `json:"query"`
	Answer   string `json:"answer"`
	Type     string `json:"question_type"`
	Evidence []struct {
		URL  string `json:"url"`
		Fact string `json:"fact"`
	} `json:"evidence_list"`
}

// LoadMultiHop reads MultiHopRAG.json, keeping the queries the benchmark's
// retrieval evaluation keeps: null_query ones (no evidence) are skipped.
// The queries carry no date; AsOf is left zero (the Runner's default).
func LoadMultiHop(r io.Reader) ([]Question, error) {
	var all []multiHopQuery
	if err := json.NewDecoder(r).Decode(&all); err != nil {
		return nil, fmt.Errorf("load MultiHop-RAG queries: %w", err)
	}
	var qs []Question
	for i, m := range all {
		if m.Type == "null_query" || len(m.Evidence) == 0 {
			continue
		}
		q := Question{ID: strconv.Itoa(i), Text: m.Query, Type: m.Type, Correct: -1}
		if a := strings.TrimSpace(m.Answer); a != "" {
			q.Answers = []string{a}
		}
		for _, e := range m.Evidence {
			q.Facts = append(q.Facts, e.Fact)
			if e.URL != "" {
				q.GoldURLs = append(q.GoldURLs, e.URL)
			}
		}
		qs = append(qs, q)
	}
	return qs, nil
}

// inlineTag matches an opening or closing tag of the inline elements quiz
// pages put in a sentence (links, emphasis, line breaks), attributes
// included. Only these names: a "<" that starts no such tag ("a < b",
// "x<y and z>w") is text.
var inlineTag = regexp.MustCompile(`(?i)</?(?:a|abbr|b|br|cite|code|em|i|mark|q|s|small|span|strong|sub|sup|u)(?:\s[^<>]*)?/?>`)

// questionText returns a question sentence as its reader sees it. Some
// RealTime QA sentences were scraped with markup: 34 of the 830 of 2025,
// 32 of them with the quiz page's inline links (`visited <a
// data-analytics-id="inline-link" ... href="https://theweek.com/tag/france">France</a>
// and`). Searched as they are, the attribute words ("analytics", "inline",
// "href", "theweek") would fill the query. Inline tags are replaced by a
// space (a <br> separates words; the spaces are then collapsed, and a
// space before punctuation is harmless to the search), the link text and
// the rest kept, and entities decoded. Text without "<" or "&" is only
// trimmed.
func questionText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return strings.TrimSpace(s)
	}
	s = inlineTag.ReplaceAllStringFunc(s, func(tag string) string {
		if strings.HasPrefix(strings.ToLower(tag), "<br") {
			return " "
		}
		return ""
	})
	return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
}
