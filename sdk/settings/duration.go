package settings

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/invopop/jsonschema"
	sjson "github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/message"
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

// durationVocab is the schema vocabulary of the duration keywords.
func durationVocab() (*sjson.Vocabulary, error) {
	const url = "urn:ddc:settings:duration-vocabulary"
	meta, err := sjson.UnmarshalJSON(strings.NewReader(`{
		"properties": {
			"goDuration": {"type": "boolean"},
			"minDuration": {"type": "string"},
			"maxDuration": {"type": "string"}
		}
	}`))
	if err != nil {
		return nil, fmt.Errorf("duration vocabulary: %w", err)
	}
	c := sjson.NewCompiler()
	if err := c.AddResource(url, meta); err != nil {
		return nil, fmt.Errorf("duration vocabulary: %w", err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("duration vocabulary: %w", err)
	}
	return &sjson.Vocabulary{URL: url, Schema: sch, Compile: compileDuration}, nil
}

// durationCheck validates one duration property.
type durationCheck struct {
	min, max       time.Duration
	hasMin, hasMax bool
}

func compileDuration(_ *sjson.CompilerContext, obj map[string]any) (sjson.SchemaExt, error) {
	on, _ := obj[KeywordDuration].(bool)
	_, hasMin := obj[KeywordMinDuration]
	_, hasMax := obj[KeywordMaxDuration]
	if !on && !hasMin && !hasMax {
		return nil, nil
	}
	var c durationCheck
	for _, b := range []struct {
		kw  string
		has bool
		v   *time.Duration
		set *bool
	}{{KeywordMinDuration, hasMin, &c.min, &c.hasMin}, {KeywordMaxDuration, hasMax, &c.max, &c.hasMax}} {
		if !b.has {
			continue
		}
		s, _ := obj[b.kw].(string)
		v, err := time.ParseDuration(s)
		if err != nil {
			return nil, fmt.Errorf("%s %q is not a Go duration like \"30s\": %w", b.kw, s, err)
		}
		*b.v, *b.set = v, true
	}
	return &c, nil
}

// Validate checks a duration string. Other types are left to "type".
func (c *durationCheck) Validate(ctx *sjson.ValidatorContext, v any) {
	s, ok := v.(string)
	if !ok {
		return
	}
	d, err := parseDuration(s)
	switch {
	case err != nil:
		ctx.AddError(&durationError{msg: err.Error()})
	case c.hasMin && d < c.min:
		ctx.AddError(&durationError{kw: KeywordMinDuration, msg: fmt.Sprintf("must be at least %s, got %s", c.min, d)})
	case c.hasMax && d > c.max:
		ctx.AddError(&durationError{kw: KeywordMaxDuration, msg: fmt.Sprintf("must be at most %s, got %s", c.max, d)})
	}
}

// durationError is a broken duration rule.
type durationError struct {
	kw  string
	msg string
}

// KeywordPath names the keyword that failed.
func (e *durationError) KeywordPath() []string {
	if e.kw == "" {
		return []string{KeywordDuration}
	}
	return []string{e.kw}
}

// LocalizedString is the message.
func (e *durationError) LocalizedString(*message.Printer) string { return e.msg }
