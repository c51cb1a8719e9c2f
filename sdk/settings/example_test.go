package settings_test

import (
	"fmt"
	"time"

	"github.com/ddc-go/ddc/sdk/settings"
)

// A plugin declares its settings once, as a struct with its defaults; the
// schema for Info.SettingsSchema and the checks in Configure come from it.
func ExampleNew() {
	type Settings struct {
		Refresh settings.Duration `json:"refresh" jsonschema_extras:"minDuration=5s"`
		Mode    string            `json:"mode" jsonschema:"enum=compact,enum=full"`
		Lines   int               `json:"lines" jsonschema:"minimum=1,maximum=50"`
	}
	spec := settings.MustNew(Settings{Refresh: settings.Duration(30 * time.Second), Mode: "compact", Lines: 10})

	s, err := spec.Decode([]byte(`{"mode": "full"}`))
	fmt.Println(time.Duration(s.Refresh), s.Mode, s.Lines, err)

	_, err = spec.Decode([]byte(`{"refresh": 2, "mode": "tiny", "lines": 0, "colour": "red"}`))
	for _, p := range settings.Problems(err) {
		fmt.Println(p)
	}
	// Output:
	// 30s full 10 <nil>
	// settings.colour: is not a known setting (known: lines, mode, refresh)
	// settings.lines: must be >= 1, got 0
	// settings.mode: must be one of "compact", "full", got "tiny"
	// settings.refresh: must be a duration with a unit, like "30s", "5m" or "1h30m", got 2
}

// The host checks settings against any plugin's schema, hand-written or
// generated, before it hands them over; each problem names its field.
func ExampleCompile() {
	v, err := settings.Compile(`{
		"type": "object",
		"properties": {"interval": {"type": "string", "goDuration": true, "maxDuration": "1h"}},
		"required": ["interval"]
	}`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(v.Validate([]byte(`{"interval": "2h"}`)))
	fmt.Println(v.Validate([]byte(`{}`)))
	fmt.Println(v.Validate([]byte(`{"interval": "90s"}`)))
	// Output:
	// settings.interval: must be at most 1h0m0s, got 2h0m0s
	// settings.interval: is required
	// <nil>
}
