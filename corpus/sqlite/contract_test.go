package sqlite

import (
	"testing"

	"github.com/newsbot/newsbot/corpus/storetest"
	"github.com/newsbot/newsbot/corpus/stories"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return MustOpen(t) })
}

var (
	_ storetest.Store = (*DB)(nil)
	_ stories.Store   = (*DB)(nil)
)
