package settings_test

// The validator checked against santhosh-tekuri/jsonschema, a complete
// JSON Schema implementation (and the package's validator before it had
// its own): on many generated schemas of the supported subset and
// generated values, both must accept the same schemas, accept the same
// values and, where the old reporting had a message for the rule, name the
// same problems. santhosh is a test-only dependency: its init compiles
// every draft's metaschema, which no ddc process should pay for.

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	sjson "github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/message"

	"github.com/ddc-go/ddc/sdk/settings"
)

func TestAgainstOracle(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 300
	}
	var stats oracleStats
	for seed := range uint64(n) {
		compareWithOracle(t, seed, &stats)
		if t.Failed() {
			t.Fatalf("stopped at seed %d (f.Add it to FuzzAgainstOracle to keep it as a case)", seed)
		}
	}
	t.Logf("%d schemas (%d refused by both), %d values: %d valid, %d invalid, %d problem lists compared",
		n, stats.refused, stats.values, stats.valid, stats.values-stats.valid, stats.compared)
	// The generator must exercise both outcomes, or the comparison proves
	// little.
	if stats.valid < stats.values/10 || stats.values-stats.valid < stats.values/10 || stats.refused == 0 {
		t.Errorf("generated values are too one-sided: %+v", stats)
	}
}

// FuzzAgainstOracle compares the validators on the schema and values that
// a seed generates: `go test -fuzz FuzzAgainstOracle ./sdk/settings`.
func FuzzAgainstOracle(f *testing.F) {
	for _, seed := range []uint64{0, 1, 2, 42, 1 << 40} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, seed uint64) {
		compareWithOracle(t, seed, &oracleStats{})
	})
}

// FuzzValueAgainstOracle compares the validators on a generated schema
// and any bytes as the value, JSON or not.
func FuzzValueAgainstOracle(f *testing.F) {
	for i, v := range []string{`{}`, `{"a": [1, 2.5, "x"]}`, `[{"b": null}]`, `"30s"`, `1e2`, `{"a": 1} x`, `{"a":`} {
		f.Add(uint64(i), []byte(v))
	}
	f.Fuzz(func(t *testing.T, seed uint64, value []byte) {
		raw, err := json.Marshal(newGen(seed).root())
		if err != nil {
			t.Fatal(err)
		}
		ours, ourErr := settings.Compile(string(raw))
		theirs, theirErr := compileOracle(string(raw))
		if ourErr != nil || theirErr != nil {
			return // compared by FuzzAgainstOracle
		}
		got := ours.Validate(value)
		want, _ := theirs.validate(value)
		if (got == nil) != (want == nil) {
			t.Errorf("schema %s\nvalue %q\nValidate = %v\noracle   = %v", raw, value, got, want)
		}
	})
}

type oracleStats struct {
	refused, values, valid, compared int
}

// compareWithOracle generates a schema and values from seed and compares
// the two validators on them.
func compareWithOracle(t *testing.T, seed uint64, stats *oracleStats) {
	t.Helper()
	g := newGen(seed)
	doc := g.root()
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	schema := string(raw)
	ours, ourErr := settings.Compile(schema)
	theirs, theirErr := compileOracle(schema)
	if (ourErr == nil) != (theirErr == nil) {
		t.Errorf("seed %d: schema %s\nCompile error = %v\noracle error  = %v", seed, schema, ourErr, theirErr)
		return
	}
	if ourErr != nil {
		stats.refused++
		return
	}
	for range 30 {
		inst, err := json.Marshal(g.value(3))
		if err != nil {
			t.Fatal(err)
		}
		stats.values++
		got := ours.Validate(inst)
		want, comparable := theirs.validate(inst)
		if (got == nil) != (want == nil) {
			t.Errorf("seed %d: schema %s\nvalue %s\nValidate = %v\noracle   = %v", seed, schema, inst, got, want)
			return
		}
		if got == nil {
			stats.valid++
			continue
		}
		if !comparable {
			continue
		}
		stats.compared++
		if diff := cmp.Diff(normalize(want), normalize(settings.Problems(got))); diff != "" {
			t.Errorf("seed %d: schema %s\nvalue %s\nproblems differ (-oracle +ours):\n%s", seed, schema, inst, diff)
			return
		}
	}
}

// normalize sorts problems by place and text and drops repeats: the
// order within one place is not part of the contract.
func normalize(ps []settings.Problem) []settings.Problem {
	ps = slices.Clone(ps)
	slices.SortFunc(ps, func(a, b settings.Problem) int {
		if c := strings.Compare(a.Pointer, b.Pointer); c != 0 {
			return c
		}
		return strings.Compare(a.Message, b.Message)
	})
	return slices.Compact(ps)
}

// gen generates schemas of the supported subset and JSON values to check
// against them, from small pools of values so that values often break
// and often keep the rules.
type gen struct {
	r    *rand.Rand
	defs int // number of $defs of the root: d0, d1, ...

	numbers, strs, keyNames, types, regexps, durations []string
}

func newGen(seed uint64) *gen {
	return &gen{
		r:         rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		numbers:   []string{"-1", "0", "1", "2", "3", "2.5", "5", "10", "1.0", "1e2", "0.1", "0.3", "-2.5", "7"},
		strs:      []string{"", "a", "ab", "abc", "b", "é", "日本", "30s", "1m", "2h", "5", "x1", "a1b", "1.5s", "soon"},
		keyNames:  []string{"a", "b", "c", "x1", "ab"},
		types:     []string{"null", "boolean", "number", "integer", "string", "array", "object"},
		regexps:   []string{"^a", "b$", "^[a-z]+$", `\d`, "^.{2}$", "é", "^x", "(a|b)c?"},
		durations: []string{"0s", "1s", "30s", "1m", "1h30m", "2h"},
	}
}

// any returns one of list.
func (g *gen) any(list []string) string { return list[g.pick(len(list))] }

func (g *gen) pick(n int) int { return g.r.IntN(n) }

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

// value returns a random JSON value, at most depth levels deep.
func (g *gen) value(depth int) any {
	n := 5
	if depth > 0 {
		n = 7
	}
	switch g.pick(n) {
	case 0:
		return nil
	case 1:
		return g.chance(0.5)
	case 2, 3:
		return json.Number(g.any(g.numbers))
	case 4:
		return g.any(g.strs)
	case 5:
		list := make([]any, g.pick(4))
		for i := range list {
			list[i] = g.value(depth - 1)
		}
		return list
	default:
		obj := map[string]any{}
		for range g.pick(4) {
			obj[g.any(g.keyNames)] = g.value(depth - 1)
		}
		return obj
	}
}

// place says where a schema is generated: which $defs an in-place $ref
// may name without making a cycle (from minRef on), or any when the schema
// applies to a member or item.
type place struct {
	inPlace bool
	minRef  int
}

// root returns a schema document, sometimes with $defs and sometimes with
// a mistake both validators must refuse.
func (g *gen) root() any {
	g.defs = 0
	if g.chance(0.4) {
		g.defs = 1 + g.pick(3)
	}
	s := g.schema(3, place{inPlace: true})
	obj, isObj := s.(map[string]any)
	if g.defs > 0 {
		if !isObj {
			obj = map[string]any{"allOf": []any{s}}
		}
		defs := map[string]any{}
		for i := range g.defs {
			defs["d"+strconv.Itoa(i)] = g.schema(2, place{inPlace: true, minRef: i + 1})
		}
		obj["$defs"] = defs
		s = obj
	}
	if isObj && g.chance(0.3) {
		obj["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	}
	return s
}

// schema returns a schema, at most depth levels of subschemas deep.
func (g *gen) schema(depth int, at place) any {
	if g.chance(0.08) {
		return g.chance(0.7)
	}
	s := map[string]any{}
	for range g.pick(4) {
		g.keyword(s, depth, at)
	}
	if g.chance(0.2) {
		s["title"] = "T"
	}
	if g.chance(0.1) {
		s["format"] = "email" // an annotation: checked by neither
	}
	if g.chance(0.1) {
		s["default"] = g.value(1)
	}
	if g.chance(0.03) {
		g.mistake(s)
	}
	return s
}

// sub returns a subschema: in place, or for a member or item.
func (g *gen) sub(depth int, at place, inPlace bool) any {
	if depth <= 0 {
		return g.chance(0.5)
	}
	if !inPlace {
		at = place{}
	}
	return g.schema(depth-1, at)
}

func (g *gen) subs(depth int, at place, inPlace bool) []any {
	list := make([]any, 1+g.pick(3))
	for i := range list {
		list[i] = g.sub(depth, at, inPlace)
	}
	return list
}

func (g *gen) num() json.Number { return json.Number(g.any(g.numbers)) }

func (g *gen) count() json.Number { return json.Number(strconv.Itoa(g.pick(4))) }

func (g *gen) keys(n int) []any {
	var out []any
	for range n {
		k := g.any(g.keyNames)
		if !slices.Contains(out, any(k)) {
			out = append(out, k)
		}
	}
	return out
}

// keyword adds one random keyword to s.
func (g *gen) keyword(s map[string]any, depth int, at place) {
	switch g.pick(36) {
	case 0, 1:
		if g.chance(0.6) {
			s["type"] = g.any(g.types)
			return
		}
		var types []any
		for range 1 + g.pick(3) {
			t := g.any(g.types)
			if !slices.Contains(types, any(t)) {
				types = append(types, t)
			}
		}
		s["type"] = types
	case 2:
		enum := make([]any, 1+g.pick(3))
		for i := range enum {
			enum[i] = g.value(1)
		}
		s["enum"] = enum
	case 3:
		s["const"] = g.value(1)
	case 4:
		s["minimum"] = g.num()
	case 5:
		s["maximum"] = g.num()
	case 6:
		s["exclusiveMinimum"] = g.num()
	case 7:
		s["exclusiveMaximum"] = g.num()
	case 8:
		s["multipleOf"] = json.Number([]string{"1", "2", "0.5", "0.1", "3", "2.5"}[g.pick(6)])
	case 9:
		s["minLength"] = g.count()
	case 10:
		s["maxLength"] = g.count()
	case 11:
		s["pattern"] = g.any(g.regexps)
	case 12:
		s["items"] = g.sub(depth, at, false)
	case 13:
		s["prefixItems"] = g.subs(depth, at, false)
	case 14:
		s["contains"] = g.sub(depth, at, false)
		if g.chance(0.5) {
			s["minContains"] = g.count()
		}
		if g.chance(0.5) {
			s["maxContains"] = g.count()
		}
	case 15:
		s["minItems"] = g.count()
	case 16:
		s["maxItems"] = g.count()
	case 17:
		s["uniqueItems"] = g.chance(0.8)
	case 18, 19:
		props := map[string]any{}
		for _, k := range g.keys(1 + g.pick(3)) {
			props[k.(string)] = g.sub(depth, at, false)
		}
		s["properties"] = props
	case 20:
		props := map[string]any{}
		for range 1 + g.pick(2) {
			props[g.any(g.regexps)] = g.sub(depth, at, false)
		}
		s["patternProperties"] = props
	case 21, 22:
		if g.chance(0.6) {
			s["additionalProperties"] = false
		} else {
			s["additionalProperties"] = g.sub(depth, at, false)
		}
	case 23:
		s["propertyNames"] = g.sub(depth, at, false)
	case 24:
		s["required"] = g.keys(1 + g.pick(2))
	case 25:
		s["dependentRequired"] = map[string]any{g.any(g.keyNames): g.keys(1 + g.pick(2))}
	case 26:
		s["dependentSchemas"] = map[string]any{g.any(g.keyNames): g.sub(depth, at, true)}
	case 27:
		s["minProperties"] = g.count()
	case 28:
		s["maxProperties"] = g.count()
	case 29:
		s["allOf"] = g.subs(depth, at, true)
	case 30:
		s["anyOf"] = g.subs(depth, at, true)
	case 31:
		s["oneOf"] = g.subs(depth, at, true)
	case 32:
		s["not"] = g.sub(depth, at, true)
	case 33:
		s["if"] = g.sub(depth, at, true)
		if g.chance(0.7) {
			s["then"] = g.sub(depth, at, true)
		}
		if g.chance(0.7) {
			s["else"] = g.sub(depth, at, true)
		}
	case 34:
		if g.chance(0.7) {
			s[settings.KeywordDuration] = true
		}
		if g.chance(0.5) {
			s[settings.KeywordMinDuration] = g.any(g.durations)
		}
		if g.chance(0.5) {
			s[settings.KeywordMaxDuration] = g.any(g.durations)
		}
	case 35:
		switch {
		case !at.inPlace && g.chance(0.2):
			s["$ref"] = "#"
		case !at.inPlace && g.defs > 0:
			s["$ref"] = "#/$defs/d" + strconv.Itoa(g.pick(g.defs))
		case at.inPlace && at.minRef < g.defs:
			s["$ref"] = "#/$defs/d" + strconv.Itoa(at.minRef+g.pick(g.defs-at.minRef))
		}
	}
}

// mistake puts into s a keyword value that JSON Schema does not allow.
func (g *gen) mistake(s map[string]any) {
	switch g.pick(10) {
	case 0:
		s["minLength"] = json.Number("-1")
	case 1:
		s["maxItems"] = json.Number("1.5")
	case 2:
		s["type"] = "thing"
	case 3:
		s["required"] = []any{"a", "a"}
	case 4:
		s["enum"] = "a"
	case 5:
		s["items"] = json.Number("5")
	case 6:
		s["pattern"] = "(["
	case 7:
		s["allOf"] = []any{}
	case 8:
		s["multipleOf"] = json.Number("0")
	default:
		s["type"] = []any{}
	}
}

// oracle is a schema compiled by santhosh-tekuri/jsonschema, with the
// duration keywords as a vocabulary, reporting problems as the package
// did before it had its own validator.
type oracle struct {
	schema *sjson.Schema
	doc    any
}

const oracleURL = "urn:ddc:settings"

func compileOracle(schema string) (*oracle, error) {
	doc, err := sjson.UnmarshalJSON(strings.NewReader(schema))
	if err != nil {
		return nil, err
	}
	vocab, err := oracleDurationVocab()
	if err != nil {
		return nil, err
	}
	c := sjson.NewCompiler()
	c.UseLoader(refuseLoader{})
	c.RegisterVocabulary(vocab)
	c.AssertVocabs()
	if err := c.AddResource(oracleURL, doc); err != nil {
		return nil, err
	}
	sch, err := c.Compile(oracleURL)
	if err != nil {
		return nil, err
	}
	return &oracle{schema: sch, doc: doc}, nil
}

type refuseLoader struct{}

func (refuseLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("external schema references are not allowed (%s)", url)
}

// validate returns the problems, and whether the reporting knew every
// rule that was broken (so that the messages can be compared).
func (o *oracle) validate(raw []byte) ([]settings.Problem, bool) {
	inst, err := sjson.UnmarshalJSON(strings.NewReader(string(raw)))
	if err != nil {
		return []settings.Problem{{Message: "not JSON"}}, false
	}
	err = o.schema.Validate(inst)
	if err == nil {
		return nil, true
	}
	var ve *sjson.ValidationError
	if !errors.As(err, &ve) {
		return []settings.Problem{{Message: err.Error()}}, false
	}
	var ps []settings.Problem
	known := o.collect(ve, inst, &ps)
	if len(ps) == 0 {
		ps = append(ps, settings.Problem{Message: "invalid"})
		known = false
	}
	return ps, known
}

// collect is the package's reporting before it had its own validator.
func (o *oracle) collect(e *sjson.ValidationError, inst any, out *[]settings.Problem) bool {
	loc := e.InstanceLocation
	add := func(loc []string, msg string) {
		*out = append(*out, settings.Problem{Path: oraclePath(inst, loc), Pointer: oraclePointer(loc), Message: msg})
	}
	known := true
	switch k := e.ErrorKind.(type) {
	case *kind.Group, *kind.Reference, *kind.AllOf, *kind.Schema:
	case *kind.AnyOf:
		add(loc, "matches none of the allowed forms")
		return true
	case *kind.OneOf:
		if len(k.Subschemas) > 1 {
			add(loc, "matches more than one of the allowed forms")
		} else {
			add(loc, "matches none of the allowed forms")
		}
		return true
	case *kind.Not:
		add(loc, "is not allowed")
		return true
	case *kind.PropertyNames:
		// The causes are about the name, a value of its own: the old
		// reporting listed them at the object's place too, a bug. And
		// santhosh's InstanceLocation for this kind shares its backing
		// array with the locations of sibling members, so it may name
		// the wrong member: not comparable.
		add(loc, fmt.Sprintf("the name %q is not allowed", k.Property))
		return false
	case *kind.Required:
		for _, m := range k.Missing {
			add(append(slices.Clone(loc), m), "is required")
		}
	case *kind.DependentRequired:
		for _, m := range k.Missing {
			add(append(slices.Clone(loc), m), "is required when "+k.Prop+" is set")
		}
	case *kind.AdditionalProperties:
		names := o.propertyNames(e.SchemaURL)
		for _, p := range k.Properties {
			msg := "is not a known setting"
			if known := strings.Join(names, ", "); known != "" && len(known) <= 200 {
				msg += " (known: " + known + ")"
			}
			add(append(slices.Clone(loc), p), msg)
		}
	default:
		msg, ok := o.message(e, inst)
		add(loc, msg)
		known = ok
	}
	for _, c := range e.Causes {
		known = o.collect(c, inst, out) && known
	}
	return known
}

func (o *oracle) message(e *sjson.ValidationError, inst any) (string, bool) {
	got := oracleShow(oracleValueAt(inst, e.InstanceLocation))
	switch k := e.ErrorKind.(type) {
	case *oracleDurationError:
		return k.msg, true
	case *kind.Type:
		if sch, _ := o.lookup(e.SchemaURL).(map[string]any); sch != nil && sch[settings.KeywordDuration] == true {
			return `must be a duration with a unit, like "30s", "5m" or "1h30m", got ` + got, true
		}
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = oracleTypeName(w)
		}
		return "must be " + strings.Join(want, " or ") + ", got " + got, true
	case *kind.Minimum:
		return "must be >= " + oracleRat(k.Want) + ", got " + oracleRat(k.Got), true
	case *kind.Maximum:
		return "must be <= " + oracleRat(k.Want) + ", got " + oracleRat(k.Got), true
	case *kind.ExclusiveMinimum:
		return "must be > " + oracleRat(k.Want) + ", got " + oracleRat(k.Got), true
	case *kind.ExclusiveMaximum:
		return "must be < " + oracleRat(k.Want) + ", got " + oracleRat(k.Got), true
	case *kind.MultipleOf:
		return "must be a multiple of " + oracleRat(k.Want) + ", got " + oracleRat(k.Got), true
	case *kind.MinLength:
		return fmt.Sprintf("must be at least %d characters long, got %d", k.Want, k.Got), true
	case *kind.MaxLength:
		return fmt.Sprintf("must be at most %d characters long, got %d", k.Want, k.Got), true
	case *kind.Pattern:
		return fmt.Sprintf("must match the pattern %s, got %q", k.Want, k.Got), true
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = oracleShow(w)
		}
		if len(want) == 1 {
			return "must be " + want[0] + ", got " + got, true
		}
		return "must be one of " + strings.Join(want, ", ") + ", got " + got, true
	case *kind.Const:
		return "must be " + oracleShow(k.Want) + ", got " + got, true
	case *kind.MinItems:
		return fmt.Sprintf("must have at least %d items, got %d", k.Want, k.Got), true
	case *kind.MaxItems:
		return fmt.Sprintf("must have at most %d items, got %d", k.Want, k.Got), true
	case *kind.UniqueItems:
		return fmt.Sprintf("must not repeat items: items %d and %d are the same", k.Duplicates[0], k.Duplicates[1]), true
	case *kind.MinProperties:
		return fmt.Sprintf("must have at least %d entries, got %d", k.Want, k.Got), true
	case *kind.MaxProperties:
		return fmt.Sprintf("must have at most %d entries, got %d", k.Want, k.Got), true
	case *kind.PropertyNames:
		return fmt.Sprintf("the name %q is not allowed", k.Property), true
	case *kind.FalseSchema:
		return "is not allowed", true
	}
	// contains, minContains, maxContains: the old reporting had no words
	// of its own for them.
	return e.ErrorKind.LocalizedString(message.NewPrinter(message.MatchLanguage("en"))), false
}

// oracleRat writes a number as the old ratString did.
func oracleRat(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	return strings.TrimRight(strings.TrimRight(r.FloatString(6), "0"), ".")
}

func (o *oracle) lookup(schemaURL string) any {
	base, frag, _ := strings.Cut(schemaURL, "#")
	if base != oracleURL {
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
	return oracleValueAt(o.doc, toks)
}

func (o *oracle) propertyNames(schemaURL string) []string {
	sch, _ := o.lookup(schemaURL).(map[string]any)
	props, _ := sch["properties"].(map[string]any)
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func oracleValueAt(inst any, loc []string) any {
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

func oraclePath(inst any, loc []string) string {
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

func oraclePointer(loc []string) string {
	var b strings.Builder
	for _, tok := range loc {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1"))
	}
	return b.String()
}

func oracleShow(v any) string {
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

func oracleTypeName(t string) string {
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

// oracleDurationVocab is the duration keywords as a santhosh vocabulary,
// as the package had them.
func oracleDurationVocab() (*sjson.Vocabulary, error) {
	const vocabURL = "urn:ddc:settings:duration-vocabulary"
	meta, err := sjson.UnmarshalJSON(strings.NewReader(`{
		"properties": {
			"goDuration": {"type": "boolean"},
			"minDuration": {"type": "string"},
			"maxDuration": {"type": "string"}
		}
	}`))
	if err != nil {
		return nil, err
	}
	c := sjson.NewCompiler()
	if err := c.AddResource(vocabURL, meta); err != nil {
		return nil, err
	}
	sch, err := c.Compile(vocabURL)
	if err != nil {
		return nil, err
	}
	return &sjson.Vocabulary{URL: vocabURL, Schema: sch, Compile: compileOracleDuration}, nil
}

type oracleDurationCheck struct {
	min, max       time.Duration
	hasMin, hasMax bool
}

func compileOracleDuration(_ *sjson.CompilerContext, obj map[string]any) (sjson.SchemaExt, error) {
	on, _ := obj[settings.KeywordDuration].(bool)
	_, hasMin := obj[settings.KeywordMinDuration]
	_, hasMax := obj[settings.KeywordMaxDuration]
	if !on && !hasMin && !hasMax {
		return nil, nil
	}
	var c oracleDurationCheck
	if hasMin {
		s, _ := obj[settings.KeywordMinDuration].(string)
		v, err := time.ParseDuration(s)
		if err != nil {
			return nil, err
		}
		c.min, c.hasMin = v, true
	}
	if hasMax {
		s, _ := obj[settings.KeywordMaxDuration].(string)
		v, err := time.ParseDuration(s)
		if err != nil {
			return nil, err
		}
		c.max, c.hasMax = v, true
	}
	return &c, nil
}

func (c *oracleDurationCheck) Validate(ctx *sjson.ValidatorContext, v any) {
	s, ok := v.(string)
	if !ok {
		return
	}
	var d settings.Duration
	raw, _ := json.Marshal(s)
	err := d.UnmarshalJSON(raw)
	switch {
	case err != nil:
		ctx.AddError(&oracleDurationError{msg: err.Error()})
	case c.hasMin && time.Duration(d) < c.min:
		ctx.AddError(&oracleDurationError{msg: fmt.Sprintf("must be at least %s, got %s", c.min, time.Duration(d))})
	case c.hasMax && time.Duration(d) > c.max:
		ctx.AddError(&oracleDurationError{msg: fmt.Sprintf("must be at most %s, got %s", c.max, time.Duration(d))})
	}
}

type oracleDurationError struct{ msg string }

func (e *oracleDurationError) KeywordPath() []string { return []string{settings.KeywordDuration} }

func (e *oracleDurationError) LocalizedString(*message.Printer) string { return e.msg }
