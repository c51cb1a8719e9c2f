package policy

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ddc-go/ddc/sdk"
)

// CommandLevel returns the level a slash command (with its subcommand
// path) needs: the command's own, overridden by the deepest subcommand or
// group on the path that sets one; at least view. An unknown command needs
// view (the router refuses it for want of an owner anyway).
func CommandLevel(commands []sdk.Command, command string, path []string) sdk.Level {
	for _, c := range commands {
		if c.Name != command {
			continue
		}
		level := c.Level
		opts := c.Options
		for _, name := range path {
			found := false
			for _, o := range opts {
				if o.Name == name {
					if o.Level != 0 {
						level = o.Level
					}
					opts, found = o.Options, true
					break
				}
			}
			if !found {
				break
			}
		}
		return max(level, sdk.LevelView)
	}
	return sdk.LevelView
}

// ErrUndeclaredComponent is returned by ComponentLevel for a custom id
// whose kind the plugin did not declare in sdk.Info.Components.
var ErrUndeclaredComponent = errors.New("component kind not declared by the plugin")

// ErrForeignCustomID is returned by CheckCustomIDs for a custom id outside
// the sending plugin's prefix.
var ErrForeignCustomID = errors.New("custom id outside the plugin's component prefix")

// SplitCustomID splits a component or modal custom id by the rule every
// plugin follows, "prefix:kind[:rest]". ok is false when the id has no
// prefix or no kind.
func SplitCustomID(customID string) (prefix, kind string, ok bool) {
	prefix, rest, found := strings.Cut(customID, ":")
	if !found || prefix == "" {
		return "", "", false
	}
	kind, _, _ = strings.Cut(rest, ":")
	return prefix, kind, kind != ""
}

// ComponentLevel returns the level a click on a button or select, or the
// submit of a modal, with customID needs: the level its plugin declared
// for the id's kind. A custom id outside prefix, without a kind, or of a
// kind the plugin did not declare is refused with an error matching
// ErrUndeclaredComponent: nobody reaches a component the plugin did not
// declare, and nobody below the declared level reaches a declared one,
// whatever the plugin names it.
func ComponentLevel(prefix string, kinds []sdk.ComponentKind, customID string) (sdk.Level, error) {
	p, kind, ok := SplitCustomID(customID)
	if !ok || p != prefix {
		return 0, fmt.Errorf("custom id %q is not %q: %w", customID, prefix+":<kind>:...", ErrUndeclaredComponent)
	}
	for _, k := range kinds {
		if k.Kind == kind {
			return max(k.Level, sdk.LevelView), nil
		}
	}
	return 0, fmt.Errorf("custom id %q: kind %q: %w", customID, kind, ErrUndeclaredComponent)
}

// CheckCustomIDs refuses a message a plugin with component prefix prefix
// wants to post or edit when one of its buttons or selects has a custom id
// outside that prefix: a plugin may not post another plugin's controls
// (whoever clicked would act with their own rights through the other
// plugin). Link buttons carry no custom id.
func CheckCustomIDs(prefix string, rows []sdk.ActionRow) error {
	for i, row := range rows {
		for j, c := range row.Components {
			if c.Type == sdk.ComponentButton && c.Style == sdk.ButtonLink {
				continue
			}
			if p, _, ok := SplitCustomID(c.CustomID); !ok || p != prefix {
				return fmt.Errorf("row %d component %d: custom id %q is not %q: %w", i+1, j+1, c.CustomID, prefix+":<kind>:...", ErrForeignCustomID)
			}
		}
	}
	return nil
}
