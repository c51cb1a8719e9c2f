// Package settings gives a DDC plugin typed settings: the plugin declares
// them as a Go struct with its defaults, and the package derives the JSON
// Schema from it (with github.com/invopop/jsonschema) and decodes and
// validates the JSON the host hands to Configure against that same schema.
// Every limit — minimum, maximum, enum, pattern, required — is written
// once, in a struct tag:
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
//
// # The JSON Schema the package checks
//
// Validator implements a subset of JSON Schema draft 2020-12: everything
// invopop/jsonschema generates from a Go struct and what hand-written
// settings need. It is the package's own code, so that no process of the
// ddc binary pays at start for a general JSON Schema library. Within the
// subset, validation follows the specification; the package's tests check
// it against a complete implementation on many generated schemas.
//
// Checked keywords:
//
//   - any value: type (a name or a list of names; "integer" is a number
//     without fraction, 1.0 included), enum, const (JSON equality: 1
//     equals 1.0, object members in any order)
//   - numbers: minimum, maximum, exclusiveMinimum, exclusiveMaximum,
//     multipleOf, all exact (no floating-point rounding)
//   - strings: minLength, maxLength (in Unicode code points), pattern (Go
//     regexp syntax, RE2: no lookaround or backreferences; unanchored, as
//     JSON Schema says)
//   - lists: items, prefixItems, contains with minContains and maxContains,
//     minItems, maxItems, uniqueItems
//   - objects: properties, required, additionalProperties (false or a
//     schema), patternProperties (Go regexp syntax), propertyNames,
//     minProperties, maxProperties, dependentRequired, dependentSchemas
//   - combining: allOf, anyOf, oneOf, not, if/then/else
//   - references: $ref to a JSON Pointer inside the document ("#",
//     "#/$defs/name", "#/definitions/name", "#/properties/a"), with $defs
//     and definitions holding shared schemas
//   - durations (DDC's own): goDuration: true makes a string a Go duration
//     with a unit ("30s"); minDuration and maxDuration bound it
//
// Annotations are accepted and not checked: title, description, default,
// examples, deprecated, readOnly, writeOnly, $comment, $anchor, $id (at the
// root only), $schema (only draft 2020-12), format (an annotation, as draft
// 2020-12 makes it by default: "format": "email" accepts any string),
// contentEncoding, contentMediaType and contentSchema.
//
// Compile refuses, with an error naming the keyword and its place in the
// document ("at #/properties/mode: unknown keyword \"enun\""), so that
// nothing is silently left unchecked:
//
//   - any other keyword: a misspelling, an extension, or a JSON Schema
//     keyword outside the subset (unevaluatedProperties, additionalItems,
//     dependencies, $dynamicRef, ...)
//   - a keyword whose value has the wrong kind (a negative maxLength, a
//     type that is not a JSON type, ...)
//   - a pattern Go cannot compile
//   - a $ref outside the document (a file, a URL, another $id) or to an
//     anchor ("#name"): a plugin's schema never makes the host read files
//     or fetch URLs
//   - a $ref that points at nothing, and schemas that apply themselves to
//     the same value without end ({"$defs": {"a": {"$ref": "#/$defs/a"}}});
//     recursion through properties or items is fine
//
// Validate applies at most about a million schemas to one document; past
// that (only a schema built to multiply work, anyOf of anyOf of ..., gets
// there) it refuses the document as too complex to check.
//
// It must never import host/, config or plugins/: the host compiles the
// settings schemas of manifests with it too, and plugins use it without any
// of the host.
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
