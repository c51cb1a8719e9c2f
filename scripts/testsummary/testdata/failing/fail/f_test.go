package fail

import "testing"

func TestBad(t *testing.T) { t.Log("before"); t.Fatalf("got %d, want %d", 1, 2) }
func TestTable(t *testing.T) {
	for _, n := range []string{"a", "b"} {
		t.Run(n, func(t *testing.T) {
			if n == "b" {
				t.Errorf("case %s broke", n)
			}
		})
	}
}
func TestGood(t *testing.T) {}
