package settings

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/invopop/jsonschema"
)

// Duration is a settings field holding a time span, written in JSON as a Go
// duration string with a unit: "30s", "5m", "1h30m", "250ms". A bare number
// is refused (is 30 seconds or minutes meant?). Bound it with
// `jsonschema_extras:"minDuration=5s,maxDuration=1h"`. Use it as
// time.Duration(d).
type Duration time.Duration

// Duration keywords of the JSON Schema. A hand-written schema may use them
// too; the web UI reads them for its form.
const (
	// KeywordDuration marks a string property as a Go duration:
	// "goDuration": true.
	KeywordDuration = "goDuration"
	// KeywordMinDuration is the least duration allowed: "minDuration": "5s".
	KeywordMinDuration = "minDuration"
	// KeywordMaxDuration is the greatest duration allowed: "maxDuration": "1h".
	KeywordMaxDuration = "maxDuration"
)

// String returns the duration as Go writes it ("1m30s").
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes the duration as a string ("1m30s").
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a duration string with a unit.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("%s: %s", string(b), durationHint)
	}
	v, err := parseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// JSONSchema describes a Duration for the schema generator.
func (Duration) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string", Extras: map[string]any{KeywordDuration: true}}
}

const durationHint = `must be a duration with a unit, like "30s", "5m" or "1h30m"`

// parseDuration parses a Go duration, explaining a missing unit.
func parseDuration(s string) (time.Duration, error) {
	v, err := time.ParseDuration(strings.TrimSpace(s))
	if err == nil {
		return v, nil
	}
	if _, nerr := strconv.ParseFloat(strings.TrimSpace(s), 64); nerr == nil {
		return 0, fmt.Errorf("%q has no unit: %s", s, durationHint)
	}
	return 0, fmt.Errorf("%q %s", s, durationHint)
}

// durationCheck is a schema's duration rules.
type durationCheck struct {
	// marked is "goDuration": true, which also explains a value of the
	// wrong type.
	marked         bool
	min, max       time.Duration
	hasMin, hasMax bool
}

// durationOf compiles a schema's duration keywords, or returns nil when it
// has none. minDuration or maxDuration alone make a string a duration too.
func (c *compiler) durationOf(s *schema, obj map[string]any) *durationCheck {
	on, _ := obj[KeywordDuration].(bool)
	_, hasMin := obj[KeywordMinDuration]
	_, hasMax := obj[KeywordMaxDuration]
	if !on && !hasMin && !hasMax {
		return nil
	}
	d := &durationCheck{marked: on}
	for _, b := range []struct {
		kw  string
		has bool
		v   *time.Duration
		set *bool
	}{{KeywordMinDuration, hasMin, &d.min, &d.hasMin}, {KeywordMaxDuration, hasMax, &d.max, &d.hasMax}} {
		if !b.has {
			continue
		}
		str, ok := obj[b.kw].(string)
		if !ok {
			continue // keyword reported it
		}
		v, err := time.ParseDuration(str)
		if err != nil {
			c.errorf(s.loc, "%s %q is not a Go duration like \"30s\": %v", b.kw, str, err)
			continue
		}
		*b.v, *b.set = v, true
	}
	return d
}

// check returns what is wrong with a duration string, or "". Values of
// other types are left to "type".
func (d *durationCheck) check(v any) string {
	s, ok := v.(string)
	if !ok {
		return ""
	}
	got, err := parseDuration(s)
	switch {
	case err != nil:
		return err.Error()
	case d.hasMin && got < d.min:
		return fmt.Sprintf("must be at least %s, got %s", d.min, got)
	case d.hasMax && got > d.max:
		return fmt.Sprintf("must be at most %s, got %s", d.max, got)
	}
	return ""
}
