package settings

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"slices"
	"strconv"
	"strings"

	sjson "github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/ddc-go/ddc/sdk"
)

// Problem is one thing wrong with one setting.
type Problem struct {
	// Path names the setting: "refresh", "endpoints[0].host"; "" is the
	// settings object itself.
	Path string `json:"path"`
	// Pointer is the same place as a JSON Pointer (RFC 6901):
	// "/endpoints/0/host"; "" is the settings object itself.
	Pointer string `json:"pointer"`
	// Message says which rule is broken and by what value:
	// "must be >= 5, got 1".
	Message string `json:"message"`
}

// String reads like "settings.endpoints[0].host: is required".
func (p Problem) String() string {
	switch {
	case p.Path == "":
		return "settings: " + p.Message
	case strings.HasPrefix(p.Path, "["):
		return "settings" + p.Path + ": " + p.Message
	}
	return "settings." + p.Path + ": " + p.Message
}

// Error is a refusal of settings: every problem found, in path order. It
// matches sdk.ErrInvalid, so it crosses the plugin boundary as invalid
// input.
type Error struct {
	Problems []Problem
}

// Error lists the problems, separated by "; ".
func (e *Error) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return strings.Join(parts, "; ")
}

// Is makes errors.Is(err, sdk.ErrInvalid) true.
func (e *Error) Is(target error) bool { return target == sdk.ErrInvalid }

// Problems returns the problems of a settings refusal (an *Error anywhere
// in err's chain), or nil.
func Problems(err error) []Problem {
	var e *Error
	if errors.As(err, &e) {
		return e.Problems
	}
	return nil
}

// baseURL is the compiled schema's own URL.
const baseURL = "urn:ddc:settings"

// Validator checks settings against one JSON Schema document (draft
// 2020-12 unless its "$schema" says otherwise), generated or hand-written.
// It loads no external references. It is immutable and safe for concurrent
// use.
type Validator struct {
	schema  *sjson.Schema
	doc     any // the schema document, to explain problems
	printer *message.Printer
}

// Compile compiles a schema document for Validate. An empty schema accepts
// any JSON object. An error says what is wrong with the schema.
func Compile(schema string) (*Validator, error) {
	if strings.TrimSpace(schema) == "" {
		schema = `{"type": "object"}`
	}
	doc, err := sjson.UnmarshalJSON(strings.NewReader(schema))
	if err != nil {
		return nil, fmt.Errorf("settings schema is not JSON: %w", err)
	}
	vocab, err := durationVocab()
	if err != nil {
		return nil, err
	}
	c := sjson.NewCompiler()
	c.UseLoader(noLoader{})
	c.RegisterVocabulary(vocab)
	c.AssertVocabs()
	if err := c.AddResource(baseURL, doc); err != nil {
		return nil, fmt.Errorf("settings schema: %w", err)
	}
	sch, err := c.Compile(baseURL)
	if err != nil {
		return nil, fmt.Errorf("settings schema: %w", err)
	}
	return &Validator{schema: sch, doc: doc, printer: message.NewPrinter(language.English)}, nil
}

// noLoader refuses every external reference: a plugin's schema must not
// make the host read files or fetch URLs.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("external schema references are not allowed (%s)", url)
}

// Validate checks raw, a JSON document, against the schema. It returns nil
// or an *Error listing every problem.
func (v *Validator) Validate(raw []byte) error {
	inst, err := sjson.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return &Error{Problems: []Problem{{Message: "is not valid JSON: " + err.Error()}}}
	}
	err = v.schema.Validate(inst)
	if err == nil {
		return nil
	}
	var ve *sjson.ValidationError
	if !errors.As(err, &ve) {
		return &Error{Problems: []Problem{{Message: err.Error()}}}
	}
	var ps []Problem
	v.collect(ve, inst, &ps)
	if len(ps) == 0 {
		ps = append(ps, Problem{Message: ve.ErrorKind.LocalizedString(v.printer)})
	}
	slices.SortStableFunc(ps, func(a, b Problem) int { return strings.Compare(a.Pointer, b.Pointer) })
	return &Error{Problems: slices.Compact(ps)}
}

// collect turns the leaves of a validation error tree into problems.
func (v *Validator) collect(e *sjson.ValidationError, inst any, out *[]Problem) {
	loc := e.InstanceLocation
	add := func(loc []string, msg string) {
		*out = append(*out, Problem{Path: pathOf(inst, loc), Pointer: pointerOf(loc), Message: msg})
	}
	switch k := e.ErrorKind.(type) {
	case *kind.Group, *kind.Reference, *kind.AllOf, *kind.Schema:
		// Containers: the causes say what is wrong.
	case *kind.AnyOf:
		add(loc, "matches none of the allowed forms")
		return
	case *kind.OneOf:
		if len(k.Subschemas) > 1 {
			add(loc, "matches more than one of the allowed forms")
		} else {
			add(loc, "matches none of the allowed forms")
		}
		return
	case *kind.Not:
		add(loc, "is not allowed")
		return
	case *kind.Required:
		for _, m := range k.Missing {
			add(append(slices.Clone(loc), m), "is required")
		}
	case *kind.DependentRequired:
		for _, m := range k.Missing {
			add(append(slices.Clone(loc), m), "is required when "+k.Prop+" is set")
		}
	case *kind.Dependency:
		for _, m := range k.Missing {
			add(append(slices.Clone(loc), m), "is required when "+k.Prop+" is set")
		}
	case *kind.AdditionalProperties:
		known := strings.Join(v.propertyNames(e.SchemaURL), ", ")
		for _, p := range k.Properties {
			msg := "is not a known setting"
			if known != "" && len(known) <= 200 {
				msg += " (known: " + known + ")"
			}
			add(append(slices.Clone(loc), p), msg)
		}
	default:
		add(loc, v.message(e, inst))
	}
	for _, c := range e.Causes {
		v.collect(c, inst, out)
	}
}

// message explains one broken rule.
func (v *Validator) message(e *sjson.ValidationError, inst any) string {
	got := show(valueAt(inst, e.InstanceLocation))
	switch k := e.ErrorKind.(type) {
	case *durationError:
		return k.msg
	case *kind.Type:
		if sch, _ := v.lookup(e.SchemaURL).(map[string]any); sch != nil && sch[KeywordDuration] == true {
			return durationHint + ", got " + got
		}
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = typeName(w)
		}
		return "must be " + strings.Join(want, " or ") + ", got " + got
	case *kind.Minimum:
		return "must be >= " + ratString(k.Want) + ", got " + ratString(k.Got)
	case *kind.Maximum:
		return "must be <= " + ratString(k.Want) + ", got " + ratString(k.Got)
	case *kind.ExclusiveMinimum:
		return "must be > " + ratString(k.Want) + ", got " + ratString(k.Got)
	case *kind.ExclusiveMaximum:
		return "must be < " + ratString(k.Want) + ", got " + ratString(k.Got)
	case *kind.MultipleOf:
		return "must be a multiple of " + ratString(k.Want) + ", got " + ratString(k.Got)
	case *kind.MinLength:
		return fmt.Sprintf("must be at least %d characters long, got %d", k.Want, k.Got)
	case *kind.MaxLength:
		return fmt.Sprintf("must be at most %d characters long, got %d", k.Want, k.Got)
	case *kind.Pattern:
		return fmt.Sprintf("must match the pattern %s, got %q", k.Want, k.Got)
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = show(w)
		}
		if len(want) == 1 {
			return "must be " + want[0] + ", got " + got
		}
		return "must be one of " + strings.Join(want, ", ") + ", got " + got
	case *kind.Const:
		return "must be " + show(k.Want) + ", got " + got
	case *kind.Format:
		return fmt.Sprintf("%s is not a valid %s: %v", got, k.Want, k.Err)
	case *kind.MinItems:
		return fmt.Sprintf("must have at least %d items, got %d", k.Want, k.Got)
	case *kind.MaxItems:
		return fmt.Sprintf("must have at most %d items, got %d", k.Want, k.Got)
	case *kind.UniqueItems:
		return fmt.Sprintf("must not repeat items: items %d and %d are the same", k.Duplicates[0], k.Duplicates[1])
	case *kind.MinProperties:
		return fmt.Sprintf("must have at least %d entries, got %d", k.Want, k.Got)
	case *kind.MaxProperties:
		return fmt.Sprintf("must have at most %d entries, got %d", k.Want, k.Got)
	case *kind.PropertyNames:
		return fmt.Sprintf("the name %q is not allowed", k.Property)
	case *kind.FalseSchema:
		return "is not allowed"
	}
	return e.ErrorKind.LocalizedString(v.printer)
}

// lookup returns the part of the schema document a schema URL points at,
// or nil.
func (v *Validator) lookup(schemaURL string) any {
	base, frag, _ := strings.Cut(schemaURL, "#")
	if base != baseURL {
		return nil
	}
	var toks []string
	for _, tok := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		if tok == "" {
			continue
		}
		if t, err := url.PathUnescape(tok); err == nil {
			tok = t
		}
		toks = append(toks, strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~"))
	}
	return valueAt(v.doc, toks)
}

// propertyNames lists the properties the object schema at schemaURL knows.
func (v *Validator) propertyNames(schemaURL string) []string {
	sch, _ := v.lookup(schemaURL).(map[string]any)
	props, _ := sch["properties"].(map[string]any)
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// valueAt returns the value at loc (property names and list indexes)
// inside a JSON document, or nil.
func valueAt(inst any, loc []string) any {
	cur := inst
	for _, tok := range loc {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}

// pathOf writes loc for people: "endpoints[0].host".
func pathOf(inst any, loc []string) string {
	var b strings.Builder
	cur := inst
	for _, tok := range loc {
		switch c := cur.(type) {
		case []any:
			b.WriteString("[" + tok + "]")
			if i, err := strconv.Atoi(tok); err == nil && i >= 0 && i < len(c) {
				cur = c[i]
			} else {
				cur = nil
			}
			continue
		case map[string]any:
			cur = c[tok]
		default:
			cur = nil
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

// pointerOf writes loc as a JSON Pointer.
func pointerOf(loc []string) string {
	var b strings.Builder
	for _, tok := range loc {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1"))
	}
	return b.String()
}

// show writes a JSON value for a message.
func show(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(v)
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case json.Number:
		return v.String()
	}
	return fmt.Sprint(v)
}

// typeName names a JSON Schema type for a message.
func typeName(t string) string {
	switch t {
	case "integer":
		return "a whole number"
	case "number":
		return "a number"
	case "string":
		return "a string"
	case "boolean":
		return "true or false"
	case "object":
		return "an object"
	case "array":
		return "a list"
	}
	return t
}

// ratString writes a number without needless digits: "5", "0.25".
func ratString(r *big.Rat) string {
	if r == nil {
		return "?"
	}
	if r.IsInt() {
		return r.Num().String()
	}
	s := r.FloatString(6)
	return strings.TrimRight(strings.TrimRight(s, "0"), ".")
}
