package discord

import (
	"fmt"
	"net/url"

	"github.com/ddc-go/ddc/host/policy"
	"github.com/ddc-go/ddc/sdk"
)

// maxSnowflake is the most digits a Discord snowflake (a uint64) has.
const maxSnowflake = 20

// snowflake checks that id, named what ("channel id"), is a Discord
// snowflake: 1-20 ASCII digits, not zero, within uint64. Plugins' ids go
// into request paths only after this check (and escaped besides), so an id
// such as "123?x" or "1/../../users/@me" never reaches Discord.
func snowflake(what, id string) error {
	bad := func(why string) error {
		return fmt.Errorf("%s %q is not a Discord snowflake (%s): %w", what, id, why, sdk.ErrInvalid)
	}
	if id == "" {
		return bad("empty")
	}
	if len(id) > maxSnowflake {
		return bad("more than 20 digits")
	}
	var n uint64
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c < '0' || c > '9' {
			return bad("only digits are allowed")
		}
		d := uint64(c - '0')
		if n > (^uint64(0)-d)/10 {
			return bad("too large")
		}
		n = n*10 + d
	}
	if n == 0 {
		return bad("zero")
	}
	return nil
}

// snowflakes checks pairs of (what, id) with snowflake, returning the
// first problem.
func snowflakes(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := snowflake(pairs[i], pairs[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// seg escapes one path segment.
func seg(s string) string { return url.PathEscape(s) }

// checkComponents refuses a message or answer of plugin pluginID whose
// custom ids are outside the plugin's component prefix.
func (b *Bot) checkComponents(pluginID string, m sdk.Message, modal *sdk.Modal) error {
	prefix := b.cfg.Plugins.Manifests()[pluginID].ComponentPrefix
	if err := policy.CheckCustomIDs(prefix, m.Components); err != nil {
		return fmt.Errorf("plugin %s: %w: %w", pluginID, err, sdk.ErrPermission)
	}
	if modal != nil {
		if p, _, ok := policy.SplitCustomID(modal.CustomID); !ok || p != prefix {
			return fmt.Errorf("plugin %s: modal custom id %q is not %q: %w: %w", pluginID, modal.CustomID, prefix+":<kind>:...", policy.ErrForeignCustomID, sdk.ErrPermission)
		}
	}
	return nil
}
