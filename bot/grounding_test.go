package bot

import (
	"reflect"
	"testing"
)

func TestSplitGroundedAndMark(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []Sentence
		marked     string
		grounded   bool
	}{
		{
			name: "every sentence cited", text: "Russia recognised it [1]. Pakistan did not [1][2].",
			want:   []Sentence{{"Russia recognised it [1].", []int{1}}, {"Pakistan did not [1][2].", []int{1, 2}}},
			marked: "Russia recognised it [1]. Pakistan did not [1][2].", grounded: true,
		},
		{
			name: "marker after the full stop belongs to its sentence", text: "Russia recognised it. [1] Nobody else has. [2]",
			want:   []Sentence{{"Russia recognised it. [1]", []int{1}}, {"Nobody else has. [2]", []int{2}}},
			marked: "Russia recognised it. [1] Nobody else has. [2]", grounded: true,
		},
		{
			name: "uncited sentence marked", text: "Russia recognised it [1]. This is a historic step.",
			want:   []Sentence{{"Russia recognised it [1].", []int{1}}, {"This is a historic step.", nil}},
			marked: "Russia recognised it [1]. This is a historic step. [no source]", grounded: false,
		},
		{
			name: "layout kept", text: "Two things [1]:\n\n- a ferry strike [2]\n- a new bridge",
			want:   []Sentence{{"- a ferry strike [2]", []int{2}}, {"- a new bridge", nil}},
			marked: "Two things [1]:\n\n- a ferry strike [2]\n- a new bridge [no source]", grounded: false,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := splitGrounded(tc.text)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("splitGrounded(%q) = %#v; want %#v", tc.text, got, tc.want)
			}
			marked, grounded := markUnsourced(tc.text, got)
			if marked != tc.marked || grounded != tc.grounded {
				t.Errorf("markUnsourced = %q, %v; want %q, %v", marked, grounded, tc.marked, tc.grounded)
			}
		})
	}
}
