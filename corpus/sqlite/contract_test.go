package sqlite

import (
	"testing"

	"github.com/newsbot/newsbot/corpus/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return MustOpen(t) })
}

var _ storetest.Store = (*DB)(nil)
