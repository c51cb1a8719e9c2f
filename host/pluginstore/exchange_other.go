//go:build !linux

package pluginstore

import (
	"fmt"
	"os"
)

// exchange swaps the directories a and b with two renames; b is missing
// for a moment in between.
func exchange(a, b string) error {
	tmp := a + ".swap"
	if err := os.Rename(b, tmp); err != nil {
		return err
	}
	if err := os.Rename(a, b); err != nil {
		_ = os.Rename(tmp, b)
		return err
	}
	if err := os.Rename(tmp, a); err != nil {
		return fmt.Errorf("move the old version aside: %w", err)
	}
	return nil
}
