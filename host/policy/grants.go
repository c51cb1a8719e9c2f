package policy

import (
	"strings"

	"github.com/ddc-go/ddc/sdk"
)

// GrantLevel returns the level grants ("<plugin id>.<view|control|admin>",
// as plugins.<id>.grants lists them) give on target's actions: the highest
// naming target, view when none does. Malformed grants give nothing (the
// config's validation reports them).
func GrantLevel(grants []string, target string) sdk.Level {
	level := sdk.LevelView
	for _, g := range grants {
		id, name, ok := cutLast(g, ".")
		if !ok || id != target {
			continue
		}
		switch name {
		case "control":
			level = max(level, sdk.LevelControl)
		case "admin":
			level = max(level, sdk.LevelAdmin)
		}
	}
	return level
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}
