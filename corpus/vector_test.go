package corpus

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestQuantize(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	v := make([]float32, 1536)
	var norm float64
	for i := range v {
		v[i] = float32(rng.NormFloat64())
		norm += float64(v[i]) * float64(v[i])
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(norm))
	}
	code := make([]int8, len(v))
	scale := Quantize(v, code)
	var dot float64
	for i, x := range v {
		dot += float64(x) * float64(scale) * float64(code[i])
	}
	if math.Abs(dot-1) > 0.01 {
		t.Errorf("v . dequantize(Quantize(v)) = %v; want about 1", dot)
	}
	for _, tc := range []struct {
		name      string
		v         []float32
		wantScale float32
		wantCode  []int8
	}{
		{"zero", []float32{0, 0, 0}, 0, []int8{0, 0, 0}},
		{"largest is 127", []float32{0.5, -0.25, 0}, 0.5 / 127, []int8{127, -64, 0}},
		{"negative largest", []float32{-1, 0.5}, 1.0 / 127, []int8{-127, 64}},
	} {
		code := []int8{9, 9, 9}[:len(tc.v)]
		if s := Quantize(tc.v, code); s != tc.wantScale || !slices.Equal(code, tc.wantCode) {
			t.Errorf("Quantize(%s %v) = %v, %v; want %v, %v", tc.name, tc.v, s, code, tc.wantScale, tc.wantCode)
		}
	}
}
