package fail

import "testing"

func TestMulti(t *testing.T) { t.Errorf("first line\nsecond line\nthird line") }
