// Package settings gives a DDC plugin typed settings: the plugin declares
// them as a Go struct with its defaults, and the package derives the JSON
// Schema from it (with github.com/invopop/jsonschema) and decodes and
// validates the JSON the host hands to Configure against that same schema
// (with github.com/santhosh-tekuri/jsonschema/v6). Every limit — minimum,
// maximum, enum, pattern, required — is written once, in a struct tag:
//
//	type Settings struct {
//		Prefix  string            `json:"prefix" jsonschema:"maxLength=20"`
//		Refresh settings.Duration `json:"refresh" jsonschema_extras:"minDuration=5s,maxDuration=1h"`
//		Mode    string            `json:"mode" jsonschema:"enum=short,enum=long"`
//	}
//
//	var spec = settings.MustNew(Settings{Prefix: ">", Refresh: settings.Duration(30 * time.Second), Mode: "short"})
//
//	// In Info: SettingsSchema: spec.Schema()
//	// In Configure: s, err := spec.Decode(raw)
//
// Fields absent from the JSON keep their defaults; unknown fields, wrong
// types and broken limits are refused with one Problem per field, each
// naming the field's path and the rule ("settings.refresh: must be at least
// 5s, got 1s").
//
// Validator checks JSON against any schema — generated or hand-written —
// so the host can check settings before it hands them to a plugin, and the
// web UI can show each problem next to its field.
package settings

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
)

// Spec is the settings type T of one plugin: its JSON Schema, its defaults
// and a validator for them. Create it with New; it is immutable and safe
// for concurrent use.
type Spec[T any] struct {
	schema   string
	defaults []byte // defaults as JSON: decoded afresh for every Decode
	v        *Validator
}

// New derives the JSON Schema of T, a struct type, and returns a Spec whose
// Decode starts from defaults. Struct tags say the rules:
//
//   - `json:"name"` names the field; fields without a json name use the Go
//     name, `json:"-"` leaves a field out.
//   - `jsonschema:"minimum=1,maximum=10,exclusiveMinimum=0,multipleOf=5"`
//     for numbers; `jsonschema:"minLength=1,maxLength=20,pattern=^[a-z]+$"`
//     for strings; `jsonschema:"enum=a,enum=b"`; `jsonschema:"minItems=1,
//     maxItems=5,uniqueItems=true"` for lists; `jsonschema:"required"` for
//     a field that must be given; `jsonschema:"title=...,description=..."`
//     and `jsonschema_description:"..."` (which may hold commas) for the
//     web UI's form.
//   - Duration fields take `jsonschema_extras:"minDuration=5s,maxDuration=1h"`.
//
// Unknown fields are refused (additionalProperties is false for every
// struct). The schema's "default" keywords come from defaults, so the web
// UI can show them. New fails when T is not a struct or the derived schema
// does not compile (a bad pattern, say).
func New[T any](defaults T) (*Spec[T], error) {
	t := reflect.TypeOf(defaults)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("settings: %v is not a struct type", reflect.TypeOf(defaults))
	}
	def, err := json.Marshal(defaults)
	if err != nil {
		return nil, fmt.Errorf("settings: encode defaults of %v: %w", t, err)
	}
	schema, err := schemaOf(t, def)
	if err != nil {
		return nil, fmt.Errorf("settings: schema of %v: %w", t, err)
	}
	v, err := Compile(schema)
	if err != nil {
		return nil, fmt.Errorf("settings: schema of %v: %w", t, err)
	}
	if err := v.Validate(def); err != nil {
		return nil, fmt.Errorf("settings: the defaults of %v break their own rules: %w", t, err)
	}
	return &Spec[T]{schema: schema, defaults: def, v: v}, nil
}

// MustNew is New for a package-level Spec: it panics when New fails, which
// is a programming error found by any test that loads the package.
func MustNew[T any](defaults T) *Spec[T] {
	s, err := New(defaults)
	if err != nil {
		panic(err)
	}
	return s
}

// Schema returns the JSON Schema document, for Info.SettingsSchema.
func (s *Spec[T]) Schema() string { return s.schema }

// Validator returns the validator of the settings' schema.
func (s *Spec[T]) Validator() *Validator { return s.v }

// Defaults returns a fresh copy of the defaults.
func (s *Spec[T]) Defaults() T {
	var out T
	if err := json.Unmarshal(s.defaults, &out); err != nil {
		// New decoded them once already; this cannot fail.
		panic(fmt.Sprintf("settings: decode defaults: %v", err))
	}
	return out
}

// Decode validates raw (the JSON object Configure receives; empty or null
// means {}) against the schema and returns the settings: the defaults with
// every field raw gives replaced. A refusal is an *Error listing every
// problem; it matches sdk.ErrInvalid.
func (s *Spec[T]) Decode(raw []byte) (T, error) {
	var zero T
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		raw = []byte("{}")
	}
	if err := s.v.Validate(raw); err != nil {
		return zero, err
	}
	out := s.Defaults()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		// The schema let through what the struct cannot hold (only a
		// hand-tuned schema can): still a clear refusal.
		return zero, &Error{Problems: []Problem{{Message: err.Error()}}}
	}
	return out, nil
}
