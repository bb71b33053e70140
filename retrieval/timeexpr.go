package retrieval

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// TimeRange is the period a question asks about, as published-time bounds
// for a search: From <= t < To. A zero bound is open; a zero TimeRange means
// the question names no period.
type TimeRange struct {
	From, To time.Time
	// Label describes the range for people, e.g. "this week (23–29 Nov 2026)".
	Label string
}

// IsZero reports whether the range sets neither bound.
func (r TimeRange) IsZero() bool { return r.From.IsZero() && r.To.IsZero() }

// Building blocks of timeRE. Month names are only taken as dates next to a
// day number or a year, or after a preposition (see needsPrep), so "the March
// on Washington" stays a query.
const (
	monthNames = `january|february|march|april|may|june|july|august|september|october|november|december|` +
		`jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec`
	weekdayNames = `monday|tuesday|wednesday|thursday|friday|saturday|sunday`
	yearPat      = `(?:19|20)\d{2}`
	dayPat       = `\d{1,2}(?:st|nd|rd|th)?`
	countWords   = `\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|few|several|couple(?:\s+of)?`
)

// timeRE matches one time expression: an optional preposition, an optional
// "the", and one of the alternatives below, each with its own named groups.
// Alternatives are tried left to right, so longer forms come first.
var timeRE = regexp.MustCompile(`(?i)\b(?:(?P<prep>in|during|on|from|since|before|after|until|till|over|within|for|earlier|so\s+far)\s+)?(?:the\s+)?(?:` +
	// past 3 days, last two weeks, previous 24 hours
	`(?P<nword>past|last|previous)\s+(?P<n>` + countWords + `)\s+(?P<nunit>hour|day|week|month|year)s?` +
	// past week (rolling)
	`|past\s+(?P<punit>day|week|month|year)` +
	// this week, last month, previous year (calendar)
	`|(?P<cword>this|last|previous)\s+(?P<cunit>week|month|year)` +
	`|(?P<today>today|tonight|this\s+(?:morning|afternoon|evening))(?:'s|’s)?` +
	`|(?P<yday>yesterday)(?:'s|’s)?` +
	// 2026-05-03
	`|(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})` +
	// 3 May 2026, 3rd of May
	`|(?P<bd>` + dayPat + `)\s+(?:of\s+)?(?P<bm>` + monthNames + `)\.?(?:,?\s+(?P<by>` + yearPat + `))?` +
	// May 3, 2026, May 3rd
	`|(?P<cm>` + monthNames + `)\.?\s+(?P<cd>` + dayPat + `)(?:,?\s+(?P<cy>` + yearPat + `))?` +
	// March 2025
	`|(?P<dm>` + monthNames + `)\.?,?\s+(?P<dy>` + yearPat + `)` +
	// last March
	`|last\s+(?P<lm>` + monthNames + `)` +
	// last Friday
	`|last\s+(?P<lw>` + weekdayNames + `)` +
	// March, 2025 and Monday, only after a preposition
	`|(?P<em>` + monthNames + `)` +
	`|(?P<fy>` + yearPat + `)` +
	`|(?P<gw>` + weekdayNames + `)` +
	`)\b`)

// ParseTime finds the first time expression in question, resolves it against
// asOf (in asOf's location) and returns the range with the question minus the
// expression. Without one it returns a zero TimeRange and the question as is.
//
// Understood: today, yesterday; this/last week (weeks start on Monday),
// month, year; past/last N hours, days, weeks, months, years; a weekday
// ("since Monday": the most recent Monday at or before asOf); a month ("in
// March": the most recent March; "in March 2025"), a year ("in 2025"), a day
// ("on 3 May 2026", "May 3, 2026", "May 3": the most recent, "2026-05-03");
// each after in/during/on/from (the period itself), since (from its start
// through the end of asOf's day), before, after or until. "Recently" and
// "latest" are not filters: the recency prior handles them.
func ParseTime(question string, asOf time.Time) (TimeRange, string) {
	if !mayHaveTime(question) {
		return TimeRange{}, question
	}
	names := timeRE.SubexpNames()
	for _, loc := range timeRE.FindAllStringSubmatchIndex(question, -1) {
		g := make(map[string]string, len(names))
		for i, name := range names {
			if name != "" && loc[2*i] >= 0 {
				g[name] = strings.ToLower(question[loc[2*i]:loc[2*i+1]])
			}
		}
		prep := strings.Join(strings.Fields(g["prep"]), " ")
		from, to, ok := resolveSpan(g, prep, asOf)
		if !ok {
			continue
		}
		switch prep {
		case "since":
			to = startOfDay(asOf).AddDate(0, 0, 1)
			if !from.Before(to) {
				// "since 2030" asked in 2026 names no period that has
				// happened: not a filter (the words stay in the query).
				continue
			}
		case "before":
			from, to = time.Time{}, from
		case "until", "till":
			from = time.Time{}
		case "after":
			from, to = to, time.Time{}
		}
		phrase := strings.Join(strings.Fields(question[loc[0]:loc[1]]), " ")
		r := TimeRange{From: from, To: to, Label: phrase + " (" + describeRange(from, to) + ")"}
		return r, removeSpan(question, loc[0], loc[1])
	}
	return TimeRange{}, question
}

// timeWords are the words of which every alternative of timeRE holds one,
// unless it holds a digit.
var timeWords = func() map[string]bool {
	m := map[string]bool{"past": true, "last": true, "previous": true, "this": true, "today": true,
		"tonight": true, "yesterday": true}
	for _, list := range []string{monthNames, weekdayNames} {
		for _, w := range strings.Split(list, "|") {
			m[w] = true
		}
	}
	return m
}()

// mayHaveTime reports whether timeRE can match in question: it holds a
// digit, a letter outside ASCII (which the regexp's case folding may
// read as an ASCII one) or one of timeWords. Most questions hold none,
// and this check costs a hundredth of the regexp's search.
func mayHaveTime(question string) bool {
	start := -1
	for i := 0; i <= len(question); i++ {
		var c byte
		if i < len(question) {
			c = question[i]
		}
		switch {
		case c >= utf8.RuneSelf || '0' <= c && c <= '9':
			return true
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			if start < 0 {
				start = i
			}
		default:
			if start >= 0 && i-start <= len("wednesday") && timeWords[strings.ToLower(question[start:i])] {
				return true
			}
			start = -1
		}
	}
	return false
}

// resolveSpan turns the groups of one timeRE match into the period it names,
// [from, to). It reports false for impossible dates and for bare month, year
// and weekday names, which need a preposition to be read as a date.
func resolveSpan(g map[string]string, prep string, asOf time.Time) (from, to time.Time, ok bool) {
	today := startOfDay(asOf)
	loc := asOf.Location()
	switch {
	case g["nunit"] != "":
		n := countValue(g["n"])
		if n <= 0 {
			return from, to, false
		}
		to = today.AddDate(0, 0, 1)
		switch g["nunit"] {
		case "hour":
			return asOf.Add(-time.Duration(n) * time.Hour), to, true
		case "day":
			return today.AddDate(0, 0, -n), to, true
		case "week":
			return today.AddDate(0, 0, -7*n), to, true
		case "month":
			return today.AddDate(0, -n, 0), to, true
		default:
			return today.AddDate(-n, 0, 0), to, true
		}
	case g["punit"] != "":
		to = today.AddDate(0, 0, 1)
		switch g["punit"] {
		case "day":
			return today.AddDate(0, 0, -1), to, true
		case "week":
			return today.AddDate(0, 0, -7), to, true
		case "month":
			return today.AddDate(0, -1, 0), to, true
		default:
			return today.AddDate(-1, 0, 0), to, true
		}
	case g["cunit"] != "":
		back := 0
		if g["cword"] != "this" {
			back = 1
		}
		switch g["cunit"] {
		case "week":
			from = weekStart(asOf).AddDate(0, 0, -7*back)
			return from, from.AddDate(0, 0, 7), true
		case "month":
			from = time.Date(asOf.Year(), asOf.Month()-time.Month(back), 1, 0, 0, 0, 0, loc)
			return from, from.AddDate(0, 1, 0), true
		default:
			from = time.Date(asOf.Year()-back, 1, 1, 0, 0, 0, 0, loc)
			return from, from.AddDate(1, 0, 0), true
		}
	case g["today"] != "":
		return today, today.AddDate(0, 0, 1), true
	case g["yday"] != "":
		return today.AddDate(0, 0, -1), today, true
	case g["iy"] != "":
		return dayRange(atoi(g["iy"]), atoi(g["im"]), atoi(g["id"]), loc)
	case g["bm"] != "":
		return dayOfMonth(g["bd"], g["bm"], g["by"], asOf)
	case g["cm"] != "":
		return dayOfMonth(g["cd"], g["cm"], g["cy"], asOf)
	case g["dm"] != "":
		from = time.Date(atoi(g["dy"]), monthOf(g["dm"]), 1, 0, 0, 0, 0, loc)
		return from, from.AddDate(0, 1, 0), true
	case g["lm"] != "":
		// "last March" in March means a year ago.
		from = recentMonth(monthOf(g["lm"]), asOf, false)
		return from, from.AddDate(0, 1, 0), true
	case g["lw"] != "":
		from = recentWeekday(weekdayOf(g["lw"]), asOf, false)
		return from, from.AddDate(0, 0, 1), true
	}
	if !isDatePrep(prep) {
		return from, to, false
	}
	switch {
	case g["em"] != "":
		from = recentMonth(monthOf(g["em"]), asOf, true)
		return from, from.AddDate(0, 1, 0), true
	case g["fy"] != "":
		from = time.Date(atoi(g["fy"]), 1, 1, 0, 0, 0, 0, loc)
		return from, from.AddDate(1, 0, 0), true
	case g["gw"] != "":
		from = recentWeekday(weekdayOf(g["gw"]), asOf, true)
		return from, from.AddDate(0, 0, 1), true
	}
	return from, to, false
}

// isDatePrep reports whether prep makes a bare month, year or weekday a date
// ("in March", "since Monday") rather than a word ("the March on").
func isDatePrep(prep string) bool {
	switch prep {
	case "in", "during", "on", "from", "since", "before", "after", "until", "till":
		return true
	}
	return false
}

// dayOfMonth resolves "3 May [2026]": without a year, the most recent such
// day at or before asOf.
func dayOfMonth(day, month, year string, asOf time.Time) (from, to time.Time, ok bool) {
	d := atoi(strings.TrimRight(day, "stndrh"))
	m := monthOf(month)
	if year != "" {
		return dayRange(atoi(year), int(m), d, asOf.Location())
	}
	y := asOf.Year()
	if m > asOf.Month() || (m == asOf.Month() && d > asOf.Day()) {
		y--
	}
	from, to, ok = dayRange(y, int(m), d, asOf.Location())
	if !ok && m == time.February && d == 29 {
		// The most recent 29 February is in the most recent leap year.
		for y--; y > asOf.Year()-8 && !ok; y-- {
			from, to, ok = dayRange(y, int(m), d, asOf.Location())
		}
	}
	return from, to, ok
}

// dayRange is the day y-m-d, or false when there is no such day.
func dayRange(y, m, d int, loc *time.Location) (from, to time.Time, ok bool) {
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return from, to, false
	}
	from = time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc)
	if from.Day() != d { // 30 February rolled over into March
		return time.Time{}, time.Time{}, false
	}
	return from, from.AddDate(0, 0, 1), true
}

// recentMonth is the first day of the most recent month m at or before asOf's
// month (strictly before it when inclusive is false).
func recentMonth(m time.Month, asOf time.Time, inclusive bool) time.Time {
	y := asOf.Year()
	if m > asOf.Month() || (m == asOf.Month() && !inclusive) {
		y--
	}
	return time.Date(y, m, 1, 0, 0, 0, 0, asOf.Location())
}

// recentWeekday is the start of the most recent day wd at or before asOf's
// day (strictly before it when inclusive is false).
func recentWeekday(wd time.Weekday, asOf time.Time, inclusive bool) time.Time {
	back := (int(asOf.Weekday()) - int(wd) + 7) % 7
	if back == 0 && !inclusive {
		back = 7
	}
	return startOfDay(asOf).AddDate(0, 0, -back)
}

func startOfDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}

// weekStart is the Monday starting t's week.
func weekStart(t time.Time) time.Time {
	back := (int(t.Weekday()) + 6) % 7
	return startOfDay(t).AddDate(0, 0, -back)
}

func monthOf(name string) time.Month {
	name = strings.ToLower(name)
	for m := time.January; m <= time.December; m++ {
		if strings.HasPrefix(strings.ToLower(m.String()), name[:3]) {
			return m
		}
	}
	return 0
}

func weekdayOf(name string) time.Weekday {
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		if strings.EqualFold(wd.String(), name) {
			return wd
		}
	}
	return time.Sunday
}

// countValue reads "3", "three", "a few" (3) or "a couple of" (2).
func countValue(s string) int {
	words := []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"}
	for i, w := range words {
		if s == w {
			return i
		}
	}
	switch {
	case s == "few", s == "several":
		return 3
	case strings.HasPrefix(s, "couple"):
		return 2
	}
	return atoi(s)
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

// describeRange writes a range for people: "2025", "March 2026",
// "23–29 Nov 2026", "since 3 May 2026", "until 2 May 2026".
func describeRange(from, to time.Time) string {
	switch {
	case from.IsZero() && to.IsZero():
		return "any time"
	case to.IsZero():
		return "from " + from.Format("2 Jan 2006") + clock(from)
	case from.IsZero():
		return "until " + lastDay(to).Format("2 Jan 2006")
	}
	last := lastDay(to)
	switch {
	case clock(from) != "":
		return "from " + from.Format("2 Jan 2006") + clock(from) + " to " + last.Format("2 Jan 2006")
	case from.YearDay() == 1 && to.Equal(from.AddDate(1, 0, 0)):
		return from.Format("2006")
	case from.Day() == 1 && to.Equal(from.AddDate(0, 1, 0)):
		return from.Format("January 2006")
	case from.Equal(startOfDay(last)):
		return from.Format("2 Jan 2006")
	case from.Year() != last.Year():
		return from.Format("2 Jan 2006") + " – " + last.Format("2 Jan 2006")
	case from.Month() != last.Month():
		return from.Format("2 Jan") + " – " + last.Format("2 Jan 2006")
	}
	return fmt.Sprintf("%d–%s", from.Day(), last.Format("2 Jan 2006"))
}

// lastDay is the last day inside a range ending (exclusively) at to.
func lastDay(to time.Time) time.Time {
	if to.Equal(startOfDay(to)) {
		return to.AddDate(0, 0, -1)
	}
	return to
}

// clock is " 15:04" for a time that is not midnight, else "".
func clock(t time.Time) string {
	if t.Equal(startOfDay(t)) {
		return ""
	}
	return t.Format(" 15:04")
}

// removeSpan cuts question[start:end] out and tidies the spaces left behind.
func removeSpan(question string, start, end int) string {
	s := strings.Join(strings.Fields(question[:start]+" "+question[end:]), " ")
	for _, p := range []string{"?", "!", ".", ","} {
		s = strings.ReplaceAll(s, " "+p, p)
	}
	return strings.TrimSpace(s)
}
