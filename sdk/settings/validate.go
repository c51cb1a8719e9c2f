package settings

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

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

// Validator checks settings against one JSON Schema document, generated
// or hand-written, in the subset of draft 2020-12 the package doc lists. It
// loads no external references. It is immutable and safe for concurrent
// use.
type Validator struct {
	root *schema
}

// Compile compiles a schema document for Validate. An empty schema accepts
// any JSON object. An error names every problem of the schema and where it
// is ("at #/properties/mode: unknown keyword \"enun\""): a keyword outside
// the supported subset, a value of the wrong kind, a pattern Go cannot
// compile, a reference outside the document or one that leads nowhere.
// Compile does no I/O.
func Compile(schema string) (*Validator, error) {
	if strings.TrimSpace(schema) == "" {
		schema = `{"type": "object"}`
	}
	doc, err := decodeJSON([]byte(schema))
	if err != nil {
		return nil, fmt.Errorf("settings schema is not JSON: %w", err)
	}
	root, err := compileDoc(doc)
	if err != nil {
		return nil, err
	}
	return &Validator{root: root}, nil
}

// maxSteps bounds the schemas one Validate applies, so that a schema whose
// combinators multiply (anyOf of anyOf of ...) cannot stall the host.
const maxSteps = 1 << 20

// Validate checks raw, a JSON document, against the schema. It returns nil
// or an *Error listing every problem.
func (v *Validator) Validate(raw []byte) error {
	inst, err := decodeJSON(raw)
	if err != nil {
		return &Error{Problems: []Problem{{Message: "is not valid JSON: " + err.Error()}}}
	}
	var r run
	ok := r.check(v.root, inst, true)
	if r.exhausted {
		// Whatever else was found is a guess made as the work ran out
		// (and "not" turns a guess into a pass).
		return &Error{Problems: []Problem{{Message: fmt.Sprintf("is too complex to check against this schema (more than %d steps)", maxSteps)}}}
	}
	if ok {
		return nil
	}
	ps := r.problems
	if len(ps) == 0 {
		ps = append(ps, Problem{Message: "is not valid"})
	}
	slices.SortStableFunc(ps, func(a, b Problem) int { return strings.Compare(a.Pointer, b.Pointer) })
	return &Error{Problems: slices.Compact(ps)}
}

// step is one step into the checked document: to a member of an object
// or to an item of a list.
type step struct {
	name  string // the member's name
	index int    // the item's index, or -1 for a member
}

// path and pointer write a location for people ("endpoints[0].host") and
// as a JSON Pointer ("/endpoints/0/host").
func path(at []step) (path, pointer string) {
	var pb, ptr strings.Builder
	for _, st := range at {
		if st.index >= 0 {
			n := strconv.Itoa(st.index)
			pb.WriteString("[" + n + "]")
			ptr.WriteString("/" + n)
			continue
		}
		if pb.Len() > 0 {
			pb.WriteByte('.')
		}
		pb.WriteString(st.name)
		ptr.WriteString("/" + escapeToken(st.name))
	}
	return pb.String(), ptr.String()
}

// run is one Validate: where it is in the document, the problems found
// and the work done.
type run struct {
	at        []step
	problems  []Problem
	steps     int
	exhausted bool
}

// report records a problem at the current location.
func (r *run) report(msg string) {
	path, ptr := path(r.at)
	r.problems = append(r.problems, Problem{Path: path, Pointer: ptr, Message: msg})
}

// reportAt records a problem at a member of the current object.
func (r *run) reportAt(name, msg string) {
	r.at = append(r.at, step{name: name, index: -1})
	r.report(msg)
	r.at = r.at[:len(r.at)-1]
}

// fail records a problem when collecting; it returns false to say so.
func (r *run) fail(collect bool, msg func() string) bool {
	if collect {
		r.report(msg())
	}
	return false
}

// failAt is fail for a member of the current object.
func (r *run) failAt(name string, collect bool, msg func() string) bool {
	if collect {
		r.reportAt(name, msg())
	}
	return false
}

// checkAt checks v, the member or item st of the current value.
func (r *run) checkAt(st step, s *schema, v any, collect bool) bool {
	r.at = append(r.at, st)
	ok := r.check(s, v, collect)
	r.at = r.at[:len(r.at)-1]
	return ok
}

// check applies s to v, found at r.at, and reports whether v is valid. With
// collect, every problem is recorded; without, check only answers (for
// anyOf, oneOf, not, if and propertyNames) and stops at the first.
func (r *run) check(s *schema, v any, collect bool) bool {
	if r.steps++; r.steps > maxSteps {
		r.exhausted = true
		return false
	}
	if s.isBool {
		if !s.boolValue && collect {
			r.report("is not allowed")
		}
		return s.boolValue
	}
	// A value of the wrong type, or not one of the allowed values, gets
	// that one problem: the other rules would only repeat it.
	if s.types != 0 && !s.types.allows(v) {
		if collect {
			if s.duration != nil && s.duration.marked {
				r.report(durationHint + ", got " + show(v))
			} else {
				r.report("must be " + s.types.names() + ", got " + show(v))
			}
		}
		return false
	}
	if s.hasConst && !equal(v, s.constVal) {
		if collect {
			r.report("must be " + show(s.constVal) + ", got " + show(v))
		}
		return false
	}
	if s.hasEnum && !slices.ContainsFunc(s.enum, func(e any) bool { return equal(v, e) }) {
		if collect {
			r.report(enumMessage(s.enum, v))
		}
		return false
	}
	ok := true
	if s.ref != nil {
		ok = r.check(s.ref, v, collect)
		if !ok && !collect {
			return false
		}
	}
	switch v := v.(type) {
	case map[string]any:
		ok = r.checkObject(s, v, collect) && ok
	case []any:
		ok = r.checkArray(s, v, collect) && ok
	case string:
		ok = r.checkString(s, v, collect) && ok
	case json.Number:
		ok = r.checkNumber(s, v, collect) && ok
	}
	if !ok && !collect {
		return false
	}
	ok = r.checkCombinators(s, v, collect) && ok
	if s.duration != nil {
		if msg := s.duration.check(v); msg != "" {
			if collect {
				r.report(msg)
			}
			ok = false
		}
	}
	return ok
}

// enumMessage explains a value that is none of the allowed ones.
func enumMessage(enum []any, v any) string {
	want := make([]string, len(enum))
	for i, w := range enum {
		want[i] = show(w)
	}
	if len(want) == 1 {
		return "must be " + want[0] + ", got " + show(v)
	}
	return "must be one of " + strings.Join(want, ", ") + ", got " + show(v)
}

// checkObject checks obj against the object keywords of s.
func (r *run) checkObject(s *schema, obj map[string]any, collect bool) bool {
	ok := true
	if s.minProperties >= 0 && len(obj) < s.minProperties {
		ok = r.fail(collect, func() string {
			return fmt.Sprintf("must have at least %d entries, got %d", s.minProperties, len(obj))
		})
	}
	if s.maxProperties >= 0 && len(obj) > s.maxProperties {
		ok = r.fail(collect, func() string {
			return fmt.Sprintf("must have at most %d entries, got %d", s.maxProperties, len(obj))
		})
	}
	for _, name := range s.required {
		if _, has := obj[name]; !has {
			ok = r.failAt(name, collect, func() string { return "is required" })
		}
	}
	if !ok && !collect {
		return false
	}
	if !r.checkProperties(s, obj, collect) {
		ok = false
		if !collect {
			return false
		}
	}
	if s.propertyNames != nil {
		for _, name := range sortedKeys(obj) {
			if !r.check(s.propertyNames, name, false) {
				ok = r.fail(collect, func() string { return fmt.Sprintf("the name %q is not allowed", name) })
				if !collect {
					return false
				}
			}
		}
	}
	for _, d := range s.dependentSchemas {
		if _, has := obj[d.prop]; has {
			ok = r.check(d.sch, obj, collect) && ok
		}
	}
	for _, d := range s.dependentRequired {
		if _, has := obj[d.prop]; !has {
			continue
		}
		for _, name := range d.required {
			if _, has := obj[name]; !has {
				ok = r.failAt(name, collect, func() string { return "is required when " + d.prop + " is set" })
			}
		}
	}
	return ok
}

// checkProperties checks each entry of obj against the schema that
// properties, patternProperties or additionalProperties of s gives it, and
// reports entries additionalProperties: false refuses.
func (r *run) checkProperties(s *schema, obj map[string]any, collect bool) bool {
	ok := true
	var unknown []string
	for name, val := range obj {
		known := false
		at := step{name: name, index: -1}
		if sub, has := s.properties[name]; has {
			known = true
			ok = r.checkAt(at, sub, val, collect) && ok
		}
		for _, pp := range s.patternProperties {
			if pp.re.MatchString(name) {
				known = true
				ok = r.checkAt(at, pp.sch, val, collect) && ok
			}
		}
		switch {
		case known:
		case s.noAdditional:
			unknown = append(unknown, name)
			ok = false
		case s.additional != nil:
			ok = r.checkAt(at, s.additional, val, collect) && ok
		}
		if !ok && !collect {
			return false
		}
	}
	if collect {
		for _, name := range unknown {
			msg := "is not a known setting"
			if s.known != "" {
				msg += " (known: " + s.known + ")"
			}
			r.reportAt(name, msg)
		}
	}
	return ok
}

func (r *run) checkArray(s *schema, list []any, collect bool) bool {
	ok := true
	if s.minItems >= 0 && len(list) < s.minItems {
		ok = r.fail(collect, func() string { return fmt.Sprintf("must have at least %d items, got %d", s.minItems, len(list)) })
	}
	if s.maxItems >= 0 && len(list) > s.maxItems {
		ok = r.fail(collect, func() string { return fmt.Sprintf("must have at most %d items, got %d", s.maxItems, len(list)) })
	}
	if s.uniqueItems && len(list) > 1 {
		if i, j := duplicate(list); i >= 0 {
			ok = r.fail(collect, func() string { return fmt.Sprintf("must not repeat items: items %d and %d are the same", i, j) })
		}
	}
	if !ok && !collect {
		return false
	}
	for i, item := range list {
		sub := s.items
		if i < len(s.prefixItems) {
			sub = s.prefixItems[i]
		}
		if sub == nil {
			continue
		}
		ok = r.checkAt(step{index: i}, sub, item, collect) && ok
		if !ok && !collect {
			return false
		}
	}
	if s.contains != nil {
		matched := 0
		for i, item := range list {
			if r.checkAt(step{index: i}, s.contains, item, false) {
				matched++
			}
		}
		switch {
		case s.minContains >= 0 && matched < s.minContains:
			ok = r.fail(collect, func() string {
				return fmt.Sprintf("must have at least %d items that match, got %d", s.minContains, matched)
			})
		case s.minContains < 0 && matched == 0:
			ok = r.fail(collect, func() string { return "must have an item that matches" })
		}
		if s.maxContains >= 0 && matched > s.maxContains {
			ok = r.fail(collect, func() string {
				return fmt.Sprintf("must have at most %d items that match, got %d", s.maxContains, matched)
			})
		}
	}
	return ok
}

func (r *run) checkString(s *schema, str string, collect bool) bool {
	ok := true
	if s.minLength >= 0 || s.maxLength >= 0 {
		n := utf8.RuneCountInString(str)
		if s.minLength >= 0 && n < s.minLength {
			ok = r.fail(collect, func() string { return fmt.Sprintf("must be at least %d characters long, got %d", s.minLength, n) })
		}
		if s.maxLength >= 0 && n > s.maxLength {
			ok = r.fail(collect, func() string { return fmt.Sprintf("must be at most %d characters long, got %d", s.maxLength, n) })
		}
	}
	if s.pattern != nil && !s.pattern.MatchString(str) {
		ok = r.fail(collect, func() string { return fmt.Sprintf("must match the pattern %s, got %q", s.pattern, str) })
	}
	return ok
}

func (r *run) checkNumber(s *schema, raw json.Number, collect bool) bool {
	if s.minimum == nil && s.maximum == nil && s.exclusiveMinimum == nil && s.exclusiveMaximum == nil && s.multipleOf == nil {
		return true
	}
	n, parsed := parseNumber(string(raw))
	if !parsed {
		return r.fail(collect, func() string { return "is a number too large to check, got " + string(raw) })
	}
	ok := true
	bound := func(b *number, broken func(c int) bool, rule string) {
		if b != nil && broken(n.cmp(*b)) {
			ok = r.fail(collect, func() string { return "must be " + rule + " " + b.String() + ", got " + n.String() })
		}
	}
	bound(s.minimum, func(c int) bool { return c < 0 }, ">=")
	bound(s.maximum, func(c int) bool { return c > 0 }, "<=")
	bound(s.exclusiveMinimum, func(c int) bool { return c <= 0 }, ">")
	bound(s.exclusiveMaximum, func(c int) bool { return c >= 0 }, "<")
	if s.multipleOf != nil && !n.multipleOf(*s.multipleOf) {
		ok = r.fail(collect, func() string { return "must be a multiple of " + s.multipleOf.String() + ", got " + n.String() })
	}
	return ok
}

func (r *run) checkCombinators(s *schema, v any, collect bool) bool {
	ok := true
	if s.not != nil && r.check(s.not, v, false) {
		ok = r.fail(collect, func() string { return "is not allowed" })
		if !collect {
			return false
		}
	}
	for _, sub := range s.allOf {
		ok = r.check(sub, v, collect) && ok
		if !ok && !collect {
			return false
		}
	}
	if len(s.anyOf) > 0 && !slices.ContainsFunc(s.anyOf, func(sub *schema) bool { return r.check(sub, v, false) }) {
		ok = r.fail(collect, func() string { return "matches none of the allowed forms" })
		if !collect {
			return false
		}
	}
	if len(s.oneOf) > 0 {
		matched := 0
		for _, sub := range s.oneOf {
			if r.check(sub, v, false) {
				if matched++; matched > 1 {
					break
				}
			}
		}
		switch matched {
		case 0:
			ok = r.fail(collect, func() string { return "matches none of the allowed forms" })
		case 2:
			ok = r.fail(collect, func() string { return "matches more than one of the allowed forms" })
		}
		if !ok && !collect {
			return false
		}
	}
	if s.ifS != nil {
		if r.check(s.ifS, v, false) {
			if s.thenS != nil {
				ok = r.check(s.thenS, v, collect) && ok
			}
		} else if s.elseS != nil {
			ok = r.check(s.elseS, v, collect) && ok
		}
	}
	return ok
}
