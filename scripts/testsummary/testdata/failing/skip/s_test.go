package skip

import "testing"

func TestSkipped(t *testing.T) { t.Skip("no docker") }
