package index

// SetWindow sets x's search window (a multiple of 64), so that a test with
// a few hundred documents crosses many windows.
func SetWindow(x *Index, w uint32) { x.window = w }
