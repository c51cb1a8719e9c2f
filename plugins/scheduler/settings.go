package scheduler

import (
	"time"

	"github.com/ddc-go/ddc/sdk/settings"
)

// Settings are the scheduler's settings (plugins.scheduler.settings in the
// host's config). Their limits live in the tags, once.
type Settings struct {
	// Timezone is the default IANA time zone of new tasks.
	Timezone string `json:"timezone" jsonschema:"maxLength=64" jsonschema_description:"Default IANA time zone of new tasks, e.g. Europe/Berlin. Empty: the TZ environment variable, else UTC."`
	// Grace is how late a run may still start after DDC was down or the
	// clock jumped; older runs are recorded as missed.
	Grace settings.Duration `json:"grace" jsonschema_extras:"minDuration=1m,maxDuration=24h" jsonschema_description:"How late a missed run may still start (after DDC was down or the clock jumped); older ones are recorded as missed. 1m to 24h."`
	// MaxConcurrent is how many runs may go at once.
	MaxConcurrent int `json:"max_concurrent" jsonschema:"minimum=1,maximum=20" jsonschema_description:"How many runs may go at once; the rest wait their turn. 1 to 20."`
	// History is how many runs are kept per task.
	History int `json:"history" jsonschema:"minimum=1,maximum=200" jsonschema_description:"How many runs are kept in each task's history. 1 to 200."`
	// MinGap is the distance below which two tasks of one container get a
	// warning; 0 turns the warning off.
	MinGap settings.Duration `json:"min_gap" jsonschema_extras:"minDuration=0s,maxDuration=24h" jsonschema_description:"Warn when two tasks of one container run closer together than this; 0s turns the warning off."`
	// FailureChannel is the Discord channel where failed and missed runs
	// are reported; empty reports them only in the history and the log.
	FailureChannel string `json:"failure_channel" jsonschema:"pattern=^([0-9]{17\\,20})?$" jsonschema_description:"Discord channel id where failed and missed runs are reported, in the default language. Empty: not reported in Discord."`
	// RunTimeout bounds one run.
	RunTimeout settings.Duration `json:"run_timeout" jsonschema_extras:"minDuration=10s,maxDuration=1h" jsonschema_description:"How long one run may take before it counts as failed. 10s to 1h."`
	// MaxTasks caps the number of tasks.
	MaxTasks int `json:"max_tasks" jsonschema:"minimum=1,maximum=5000" jsonschema_description:"The most tasks there may be. 1 to 5000."`
}

// defaultSettings are the settings a plugin without any has.
func defaultSettings() Settings {
	return Settings{
		Grace:         settings.Duration(5 * time.Minute),
		MaxConcurrent: 3,
		History:       20,
		MinGap:        settings.Duration(10 * time.Minute),
		RunTimeout:    settings.Duration(5 * time.Minute),
		MaxTasks:      1000,
	}
}
