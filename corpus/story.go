package corpus

// StoryHead is one row of a listing of the latest stories: a story (the
// articles that report one event, grouped by corpus/stories) with the
// article that heads it and how many articles and outlets it has within
// the scopes listed. An article not grouped yet is a story of its own
// whose id is the article's id.
type StoryHead struct {
	ID       int64   // the story id
	Headline Article // the story's first article (earliest published, then lowest id); no Body or Passages
	Articles int     // the story's articles in the scopes
	Outlets  int     // distinct outlets (case-insensitive) among them
}
