package corpus

import (
	"fmt"
	"math"
	"time"
)

// VectorRow is one stored passage embedding as the in-memory vector index
// loads it: int8 codes with a per-vector scale (component i is about
// Scale*Codes[i]), and the scope and published time of the passage's
// article for the search filters.
type VectorRow struct {
	// Seq grows with every vector saved (saving a passage's vector again
	// gives it a new Seq), so a reader pages through the vectors saved
	// since it last looked by passing the highest Seq it has seen.
	Seq         int64
	PassageID   int64
	ArticleID   int64
	Scope       string
	PublishedAt time.Time // zero when unknown
	Scale       float32
	Codes       []int8
}

// Quantize writes v as int8 codes into code (len(v) long) and returns the
// scale: v[i] ~= scale * code[i], with scale = max|v[i]| / 127. A zero
// vector has scale 0. Stored vectors and the questions compared with them
// are quantised alike, so their dot products are on one scale.
func Quantize(v []float32, code []int8) float32 {
	var m float32
	for _, x := range v {
		m = max(m, float32(math.Abs(float64(x))))
	}
	if m == 0 {
		clear(code)
		return 0
	}
	scale := m / 127
	for i, x := range v {
		code[i] = int8(math.Round(float64(x / scale)))
	}
	return scale
}

// MaxVectorDim rejects a provider's nonsense before it reaches a store;
// today's embedding models have at most 4096 dimensions.
const MaxVectorDim = 8192

// CheckVectors is the stores' check of embeddings to save (passage id ->
// vector) made with model: a model is named, and every vector has the same
// number of dimensions, more than 0 and at most MaxVectorDim, which it
// returns (-1 for no vectors). The error wraps ErrInvalid.
func CheckVectors(model string, vecs map[int64][]float32) (dim int, err error) {
	if model == "" {
		return -1, fmt.Errorf("no model: %w", ErrInvalid)
	}
	dim = -1
	for id, v := range vecs {
		if dim == -1 {
			dim = len(v)
		}
		if len(v) != dim || dim == 0 || dim > MaxVectorDim {
			return dim, fmt.Errorf("passage %d: vector of %d dimensions (first one has %d): %w", id, len(v), dim, ErrInvalid)
		}
	}
	return dim, nil
}
