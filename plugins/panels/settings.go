package panels

import (
	"time"

	"github.com/ddc-go/ddc/sdk/settings"
)

// Settings are the plugin's settings (plugins.panels.settings in the
// host's config). Their limits live in the tags, once.
type Settings struct {
	// Channels holds the settings of single channels.
	Channels []ChannelSettings `json:"channels,omitempty" jsonschema:"title=Channels,maxItems=100" jsonschema_description:"Settings of the channels that show an overview. A channel not listed uses the defaults below."`
	// Refresh is how often container stats are sampled and overviews
	// redrawn, for channels without their own.
	Refresh settings.Duration `json:"refresh" jsonschema:"title=Stats refresh" jsonschema_extras:"minDuration=30s,maxDuration=24h" jsonschema_description:"How often CPU, memory and uptime are refreshed in overviews of channels without their own setting. 30s to 24h. State changes show at once regardless."`
	// LogLines is how many log lines the control panel shows.
	LogLines int `json:"log_lines" jsonschema:"title=Log lines,minimum=1,maximum=100" jsonschema_description:"How many of a container's last log lines the control panel shows. 1 to 100."`
	// SecretKeys are variable names whose values are masked in logs
	// (KEY=value, KEY: value).
	SecretKeys []string `json:"secret_keys,omitempty" jsonschema:"title=Secret keys,maxItems=100,uniqueItems=true" jsonschema_description:"Names whose values are masked in logs shown in Discord, as in KEY=value or KEY: value (case-insensitive). PASSWORD, TOKEN, SECRET and API_KEY are always masked."`
}

// ChannelSettings are one channel's overview settings.
type ChannelSettings struct {
	// ID is the Discord channel id.
	ID string `json:"id" jsonschema:"required,title=Channel id,pattern=^[0-9]{17\\,20}$" jsonschema_description:"The Discord channel id."`
	// PostOnStart posts (or updates) the overview when DDC starts.
	PostOnStart bool `json:"post_on_start,omitempty" jsonschema:"title=Post on start" jsonschema_description:"Post the overview when DDC starts (a status channel gets the server overview, a control channel the admin overview), or update the one already there."`
	// Control makes the overview posted on start the admin overview.
	Control bool `json:"control,omitempty" jsonschema:"title=Admin overview" jsonschema_description:"The overview posted on start is the admin overview (/control) instead of the server overview (/serverstatus)."`
	// Refresh overrides the default stats refresh.
	Refresh settings.Duration `json:"refresh,omitempty" jsonschema:"title=Stats refresh" jsonschema_extras:"minDuration=0s,maxDuration=24h" jsonschema_description:"How often this channel's CPU, memory and uptime are refreshed; 0s uses the default."`
	// RecreateAfter reposts the overview at the bottom once people have
	// written below it and the channel was then quiet this long.
	RecreateAfter settings.Duration `json:"recreate_after,omitempty" jsonschema:"title=Recreate after inactivity" jsonschema_extras:"minDuration=0s,maxDuration=24h" jsonschema_description:"When messages were posted below the overview, delete and repost it after the channel was quiet this long, so it stays at the bottom. 0s never does."`
	// Collapsed shows one short line per container (no stats).
	Collapsed bool `json:"collapsed,omitempty" jsonschema:"title=Collapsed" jsonschema_description:"Start the overview collapsed: state and name only, no stats. Its toggle button switches."`
}

// defaultSettings are the settings a plugin without any has.
func defaultSettings() Settings {
	return Settings{Refresh: settings.Duration(5 * time.Minute), LogLines: 30}
}

// channel returns the settings of channel id, or the defaults.
func (s Settings) channel(id string) ChannelSettings {
	for _, c := range s.Channels {
		if c.ID == id {
			if c.Refresh == 0 {
				c.Refresh = s.Refresh
			}
			return c
		}
	}
	return ChannelSettings{ID: id, Refresh: s.Refresh}
}
