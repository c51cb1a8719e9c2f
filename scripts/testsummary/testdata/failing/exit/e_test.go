package exit

import (
	"os"
	"testing"
)

func TestExits(t *testing.T) {
	t.Log("leaving")
	os.Exit(3)
}
