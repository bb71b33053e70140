package retrieval

// Refuses reports whether res is too weak to answer from: no hits, or a
// Confidence below floor. It is the one rule for "the corpus does not cover
// this question", shared by the bot's answers and the evaluation's refusal
// figures so a floor tuned on a question set is the floor the bot applies.
// A floor <= 0 means DefaultMinConfidence.
func Refuses(res Result, floor float64) bool {
	if floor <= 0 {
		floor = DefaultMinConfidence
	}
	return len(res.Hits) == 0 || res.Confidence < floor
}
