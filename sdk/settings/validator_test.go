package settings_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ddc-go/ddc/sdk/settings"
)

// p is a problem at a member path, its pointer derived ("a.b" -> "/a/b";
// list items are written "a[0]").
func p(path, msg string) settings.Problem {
	ptr := ""
	for _, part := range strings.FieldsFunc(path, func(r rune) bool { return r == '.' || r == '[' }) {
		ptr += "/" + strings.TrimSuffix(part, "]")
	}
	return settings.Problem{Path: path, Pointer: ptr, Message: msg}
}

// problems is a list of problems; none means the value is valid.
func problems(ps ...settings.Problem) []settings.Problem { return ps }

func TestValidatorKeywords(t *testing.T) {
	tests := []struct {
		keyword string
		schema  string
		value   string
		want    []settings.Problem
	}{
		// type
		{"type", `{"type": "string"}`, `"a"`, nil},
		{"type", `{"type": "string"}`, `1`, problems(p("", "must be a string, got 1"))},
		{"type integer", `{"type": "integer"}`, `3`, nil},
		{"type integer", `{"type": "integer"}`, `3.0`, nil},
		{"type integer", `{"type": "integer"}`, `1e2`, nil},
		{"type integer", `{"type": "integer"}`, `2.5`, problems(p("", "must be a whole number, got 2.5"))},
		{"type number", `{"type": "number"}`, `2.5`, nil},
		{"type number", `{"type": "number"}`, `"2.5"`, problems(p("", `must be a number, got "2.5"`))},
		{"type null", `{"type": "null"}`, `null`, nil},
		{"type null", `{"type": "null"}`, `false`, problems(p("", "must be null, got false"))},
		{"type boolean", `{"type": "boolean"}`, `0`, problems(p("", "must be true or false, got 0"))},
		{"type array", `{"type": "array"}`, `{}`, problems(p("", "must be a list, got an object"))},
		{"type object", `{"type": "object"}`, `[]`, problems(p("", "must be an object, got a list"))},
		{"type list", `{"type": ["string", "null"]}`, `null`, nil},
		{"type list", `{"type": ["null", "string"]}`, `1`, problems(p("", "must be null or a string, got 1"))},
		{"type list in fixed order", `{"type": ["object", "integer", "boolean"]}`, `"x"`, problems(p("", `must be true or false or a whole number or an object, got "x"`))},
		{"type stops other rules", `{"type": "string", "enum": ["a"]}`, `1`, problems(p("", "must be a string, got 1"))},

		// enum and const
		{"enum", `{"enum": ["a", 1, null]}`, `null`, nil},
		{"enum", `{"enum": ["a", 1, null]}`, `1.0`, nil},
		{"enum", `{"enum": ["a", 1, null]}`, `"b"`, problems(p("", `must be one of "a", 1, null, got "b"`))},
		{"enum one value", `{"enum": ["a"]}`, `"b"`, problems(p("", `must be "a", got "b"`))},
		{"enum objects", `{"enum": [{"a": [1, 2]}]}`, `{"a": [1, 2.0]}`, nil},
		{"enum objects", `{"enum": [{"a": [1, 2]}]}`, `{"a": [2, 1]}`, problems(p("", "must be an object, got an object"))},
		{"const", `{"const": 5}`, `5`, nil},
		{"const", `{"const": 5}`, `50e-1`, nil},
		{"const", `{"const": 5}`, `"5"`, problems(p("", `must be 5, got "5"`))},
		{"const null", `{"const": null}`, `false`, problems(p("", "must be null, got false"))},

		// numbers
		{"minimum", `{"minimum": 5}`, `5`, nil},
		{"minimum", `{"minimum": 5}`, `4.5`, problems(p("", "must be >= 5, got 4.5"))},
		{"minimum ignores other types", `{"minimum": 5}`, `"1"`, nil},
		{"maximum", `{"maximum": 2.5}`, `2.5`, nil},
		{"maximum", `{"maximum": 2.5}`, `3`, problems(p("", "must be <= 2.5, got 3"))},
		{"exclusiveMinimum", `{"exclusiveMinimum": 0}`, `0.001`, nil},
		{"exclusiveMinimum", `{"exclusiveMinimum": 0}`, `0`, problems(p("", "must be > 0, got 0"))},
		{"exclusiveMaximum", `{"exclusiveMaximum": 10}`, `10`, problems(p("", "must be < 10, got 10"))},
		{"multipleOf", `{"multipleOf": 5}`, `-15`, nil},
		{"multipleOf", `{"multipleOf": 5}`, `7`, problems(p("", "must be a multiple of 5, got 7"))},
		{"multipleOf exact", `{"multipleOf": 0.1}`, `0.3`, nil},
		{"multipleOf exact", `{"multipleOf": 0.01}`, `19.99`, nil},
		{"multipleOf exact", `{"multipleOf": 0.1}`, `0.35`, problems(p("", "must be a multiple of 0.1, got 0.35"))},
		{"exact beyond float64", `{"maximum": 9007199254740993}`, `9007199254740994`, problems(p("", "must be <= 9007199254740993, got 9007199254740994"))},
		{"big numbers", `{"minimum": 1e30}`, `1e29`, problems(p("", "must be >= 1000000000000000000000000000000, got 100000000000000000000000000000"))},
		{"every number rule", `{"minimum": 5, "multipleOf": 2}`, `3`, problems(p("", "must be >= 5, got 3"), p("", "must be a multiple of 2, got 3"))},

		// strings
		{"minLength", `{"minLength": 2}`, `"ab"`, nil},
		{"minLength", `{"minLength": 2}`, `"a"`, problems(p("", "must be at least 2 characters long, got 1"))},
		{"maxLength in code points", `{"maxLength": 2}`, `"日本"`, nil},
		{"maxLength in code points", `{"maxLength": 2}`, `"日本語"`, problems(p("", "must be at most 2 characters long, got 3"))},
		{"maxLength ignores other types", `{"maxLength": 2}`, `12345`, nil},
		{"pattern", `{"pattern": "^[a-z]+$"}`, `"abc"`, nil},
		{"pattern", `{"pattern": "^[a-z]+$"}`, `"aBc"`, problems(p("", `must match the pattern ^[a-z]+$, got "aBc"`))},
		{"pattern unanchored", `{"pattern": "b"}`, `"abc"`, nil},
		{"pattern unicode", `{"pattern": "^\\p{L}+$"}`, `"héllo"`, nil},
		{"format is an annotation", `{"format": "email"}`, `"not an address"`, nil},

		// lists
		{"items", `{"items": {"type": "integer"}}`, `[1, 2]`, nil},
		{"items", `{"items": {"type": "integer"}}`, `[1, "a", 3, null]`, problems(p("[1]", `must be a whole number, got "a"`), p("[3]", "must be a whole number, got null"))},
		{"items false", `{"items": false}`, `[1]`, problems(p("[0]", "is not allowed"))},
		{"prefixItems", `{"prefixItems": [{"type": "string"}, {"type": "integer"}]}`, `["a", 1, null]`, nil},
		{"prefixItems", `{"prefixItems": [{"type": "string"}, {"type": "integer"}]}`, `[1]`, problems(p("[0]", "must be a string, got 1"))},
		{"prefixItems then items", `{"prefixItems": [{"type": "string"}], "items": {"type": "integer"}}`, `["a", "b"]`, problems(p("[1]", `must be a whole number, got "b"`))},
		{"prefixItems then no more", `{"prefixItems": [true], "items": false}`, `[1, 2]`, problems(p("[1]", "is not allowed"))},
		{"minItems", `{"minItems": 1}`, `[]`, problems(p("", "must have at least 1 items, got 0"))},
		{"maxItems", `{"maxItems": 1}`, `[1, 2]`, problems(p("", "must have at most 1 items, got 2"))},
		{"uniqueItems", `{"uniqueItems": true}`, `[1, "1", [1], {"a": 1}]`, nil},
		{"uniqueItems", `{"uniqueItems": true}`, `[1, 2, 1.0, 2]`, problems(p("", "must not repeat items: items 0 and 2 are the same"))},
		{"uniqueItems objects", `{"uniqueItems": true}`, `[{"a": 1, "b": 2}, {"b": 2, "a": 1}]`, problems(p("", "must not repeat items: items 0 and 1 are the same"))},
		{"uniqueItems long list", `{"uniqueItems": true}`, "[" + numbers(40) + ", 3.0]", problems(p("", "must not repeat items: items 3 and 40 are the same"))},
		{"uniqueItems false", `{"uniqueItems": false}`, `[1, 1]`, nil},
		{"contains", `{"contains": {"type": "string"}}`, `[1, "a"]`, nil},
		{"contains", `{"contains": {"type": "string"}}`, `[1, 2]`, problems(p("", "must have an item that matches"))},
		{"minContains", `{"contains": {"const": 1}, "minContains": 2}`, `[1, 2, 1]`, nil},
		{"minContains", `{"contains": {"const": 1}, "minContains": 2}`, `[1, 2]`, problems(p("", "must have at least 2 items that match, got 1"))},
		{"minContains 0", `{"contains": {"const": 1}, "minContains": 0}`, `[]`, nil},
		{"maxContains", `{"contains": {"const": 1}, "maxContains": 1}`, `[1, 1]`, problems(p("", "must have at most 1 items that match, got 2"))},

		// objects
		{"properties", `{"properties": {"a": {"type": "string"}}}`, `{"a": "x", "b": 1}`, nil},
		{"properties", `{"properties": {"a": {"type": "string"}}}`, `{"a": 1}`, problems(p("a", "must be a string, got 1"))},
		{"properties false", `{"properties": {"a": false}}`, `{"a": 1}`, problems(p("a", "is not allowed"))},
		{"required", `{"required": ["a", "b"]}`, `{"a": 1}`, problems(p("b", "is required"))},
		{"required ignores other types", `{"required": ["a"]}`, `[]`, nil},
		{"additionalProperties false", `{"properties": {"b": true, "a": true}, "additionalProperties": false}`, `{"a": 1, "c": 2, "d": 3}`,
			problems(p("c", "is not a known setting (known: a, b)"), p("d", "is not a known setting (known: a, b)"))},
		{"additionalProperties false alone", `{"additionalProperties": false}`, `{"c": 2}`, problems(p("c", "is not a known setting"))},
		{"additionalProperties schema", `{"properties": {"a": true}, "patternProperties": {"^x": true}, "additionalProperties": {"type": "integer"}}`, `{"a": "s", "x1": "s", "b": "s"}`,
			problems(p("b", `must be a whole number, got "s"`))},
		{"patternProperties", `{"patternProperties": {"^n_": {"type": "number"}, "_s$": {"type": "string"}}}`, `{"n_s": 1}`, problems(p("n_s", "must be a string, got 1"))},
		{"patternProperties and properties both apply", `{"properties": {"ab": {"minimum": 5}}, "patternProperties": {"a": {"maximum": 0}}}`, `{"ab": 1}`,
			problems(p("ab", "must be >= 5, got 1"), p("ab", "must be <= 0, got 1"))},
		{"propertyNames", `{"propertyNames": {"pattern": "^[a-z]+$"}}`, `{"ok": 1, "Bad": 2, "1": 3}`,
			problems(p("", `the name "1" is not allowed`), p("", `the name "Bad" is not allowed`))},
		{"minProperties", `{"minProperties": 2}`, `{"a": 1}`, problems(p("", "must have at least 2 entries, got 1"))},
		{"maxProperties", `{"maxProperties": 1}`, `{"a": 1, "b": 2}`, problems(p("", "must have at most 1 entries, got 2"))},
		{"dependentRequired", `{"dependentRequired": {"tls": ["cert", "key"]}}`, `{"tls": true, "cert": "c"}`, problems(p("key", "is required when tls is set"))},
		{"dependentRequired", `{"dependentRequired": {"tls": ["cert", "key"]}}`, `{"cert": "c"}`, nil},
		{"dependentSchemas", `{"dependentSchemas": {"host": {"required": ["port"]}}}`, `{"host": "h"}`, problems(p("port", "is required"))},
		{"nested paths", `{"properties": {"list": {"items": {"properties": {"a/b~c": {"type": "string"}}}}}}`, `{"list": [{}, {"a/b~c": 1}]}`,
			[]settings.Problem{{Path: "list[1].a/b~c", Pointer: "/list/1/a~1b~0c", Message: "must be a string, got 1"}}},

		// combining
		{"allOf", `{"allOf": [{"minimum": 1}, {"maximum": 5}]}`, `3`, nil},
		{"allOf", `{"allOf": [{"minimum": 1}, {"maximum": 5}, {"multipleOf": 2}]}`, `7`, problems(p("", "must be <= 5, got 7"), p("", "must be a multiple of 2, got 7"))},
		{"anyOf", `{"anyOf": [{"type": "string"}, {"minimum": 5}]}`, `6`, nil},
		{"anyOf", `{"anyOf": [{"type": "string"}, {"minimum": 5}]}`, `1`, problems(p("", "matches none of the allowed forms"))},
		{"oneOf", `{"oneOf": [{"type": "string"}, {"type": "number", "minimum": 5}]}`, `"a"`, nil},
		{"oneOf none", `{"oneOf": [{"type": "string"}, {"minimum": 5}]}`, `1`, problems(p("", "matches none of the allowed forms"))},
		{"oneOf two", `{"oneOf": [{"type": "integer"}, {"minimum": 5}]}`, `6`, problems(p("", "matches more than one of the allowed forms"))},
		{"not", `{"not": {"type": "string"}}`, `1`, nil},
		{"not", `{"not": {"type": "string"}}`, `"a"`, problems(p("", "is not allowed"))},
		{"if then", `{"if": {"properties": {"kind": {"const": "tcp"}}}, "then": {"required": ["port"]}, "else": {"maxProperties": 1}}`, `{"kind": "tcp"}`, problems(p("port", "is required"))},
		{"if else", `{"if": {"properties": {"kind": {"const": "tcp"}}}, "then": {"required": ["port"]}, "else": {"maxProperties": 1}}`, `{"kind": "unix", "a": 1}`, problems(p("", "must have at most 1 entries, got 2"))},
		{"if alone", `{"if": false}`, `1`, nil},
		{"false schema", `false`, `{}`, problems(p("", "is not allowed"))},
		{"true schema", `true`, `"anything"`, nil},

		// references
		{"$ref to $defs", `{"$defs": {"port": {"type": "integer", "maximum": 65535}}, "properties": {"p": {"$ref": "#/$defs/port"}}}`, `{"p": 70000}`, problems(p("p", "must be <= 65535, got 70000"))},
		{"$ref to definitions", `{"definitions": {"port": {"type": "integer"}}, "items": {"$ref": "#/definitions/port"}}`, `[1, "x"]`, problems(p("[1]", `must be a whole number, got "x"`))},
		{"$ref with siblings", `{"$defs": {"n": {"minimum": 1}}, "$ref": "#/$defs/n", "maximum": 3}`, `5`, problems(p("", "must be <= 3, got 5"))},
		{"$ref escaped", `{"$defs": {"a/b": {"type": "string"}, "c d": {"type": "null"}}, "properties": {"x": {"$ref": "#/$defs/a~1b"}, "y": {"$ref": "#/$defs/c%20d"}}}`, `{"x": 1, "y": 2}`,
			problems(p("x", "must be a string, got 1"), p("y", "must be null, got 2"))},
		{"$ref to a property", `{"properties": {"a": {"type": "string"}, "b": {"$ref": "#/properties/a"}}}`, `{"b": 1}`, problems(p("b", "must be a string, got 1"))},
		{"$ref recursive", `{"properties": {"name": {"type": "string"}, "children": {"items": {"$ref": "#"}}}}`, `{"children": [{"children": [{"name": 1}]}]}`,
			problems(p("children[0].children[0].name", "must be a string, got 1"))},

		// durations
		{"goDuration", `{"type": "string", "goDuration": true}`, `"1h30m"`, nil},
		{"goDuration", `{"type": "string", "goDuration": true}`, `"90"`, problems(p("", `"90" has no unit: must be a duration with a unit, like "30s", "5m" or "1h30m"`))},
		{"goDuration wrong type", `{"type": "string", "goDuration": true}`, `90`, problems(p("", `must be a duration with a unit, like "30s", "5m" or "1h30m", got 90`))},
		{"minDuration", `{"minDuration": "1m"}`, `"59s"`, problems(p("", "must be at least 1m0s, got 59s"))},
		{"maxDuration", `{"maxDuration": "1m"}`, `"61s"`, problems(p("", "must be at most 1m0s, got 1m1s"))},
		{"maxDuration", `{"maxDuration": "1m"}`, `"60s"`, nil},
		{"goDuration false", `{"goDuration": false}`, `"soon"`, nil},

		// annotations
		{"annotations", `{"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "urn:x", "$comment": "c", "title": "t", "description": "d",
			"default": 1, "examples": [1], "deprecated": true, "readOnly": false, "writeOnly": false, "$anchor": "a",
			"contentEncoding": "base64", "contentMediaType": "image/png", "contentSchema": {"type": "object"}}`, `"anything"`, nil},

		// documents
		{"not JSON", `true`, `{"a": `, problems(p("", "is not valid JSON: unexpected EOF"))},
		{"two documents", `true`, `{} {}`, problems(p("", "is not valid JSON: more than one JSON value"))},
	}
	for _, tt := range tests {
		t.Run(tt.keyword, func(t *testing.T) {
			v, err := settings.Compile(tt.schema)
			if err != nil {
				t.Fatalf("Compile(%s) error = %v", tt.schema, err)
			}
			err = v.Validate([]byte(tt.value))
			if diff := cmp.Diff(tt.want, settings.Problems(err)); diff != "" || (tt.want == nil) != (err == nil) {
				t.Errorf("schema %s: Validate(%s) = %v; problems mismatch (-want +got):\n%s", tt.schema, tt.value, err, diff)
			}
		})
	}
}

// manyBadProperties writes n properties with an unknown keyword each:
// "p00": {"x": 1}, ...
func manyBadProperties(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(`"p%02d": {"x": 1}`, i)
	}
	return strings.Join(parts, ", ")
}

// numbers writes "0, 1, ..., n-1".
func numbers(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = strconv.Itoa(i)
	}
	return strings.Join(parts, ", ")
}

func TestCompileRefusesOutsideTheSubset(t *testing.T) {
	tests := []struct {
		name, schema string
		want         []string // substrings of the error
	}{
		{"unknown keyword", `{"properties": {"mode": {"enun": ["a"]}}}`, []string{`at #/properties/mode: unknown keyword "enun"`}},
		{"unknown keyword in $defs", `{"$defs": {"x": {"minimun": 1}}}`, []string{`at #/$defs/x: unknown keyword "minimun"`}},
		{"unknown keyword in a list", `{"anyOf": [true, {"x-widget": "slider"}]}`, []string{`at #/anyOf/1: unknown keyword "x-widget"`}},
		{"every problem at once", `{"a": 1, "properties": {"b": {"c": 2}}}`, []string{`at #: unknown keyword "a"`, `at #/properties/b: unknown keyword "c"`}},
		{"not too many problems", `{"properties": {` + manyBadProperties(30) + `}}`, []string{`at #/properties/p19: unknown keyword "x"`, "; and 10 more"}},
		{"unsupported keyword", `{"unevaluatedProperties": false}`, []string{`unknown keyword "unevaluatedProperties": not supported`}},
		{"draft-07 keyword", `{"items": {}, "additionalItems": false}`, []string{`unknown keyword "additionalItems": use prefixItems`}},
		{"draft-07 items", `{"items": [{"type": "string"}]}`, []string{"a list of schemas is prefixItems"}},
		{"dependencies", `{"dependencies": {"a": ["b"]}}`, []string{"use dependentRequired or dependentSchemas"}},
		{"$dynamicRef", `{"$dynamicRef": "#x"}`, []string{`unknown keyword "$dynamicRef"`}},
		{"other draft", `{"$schema": "http://json-schema.org/draft-07/schema#"}`, []string{"only JSON Schema draft 2020-12"}},
		{"nested $id", `{"properties": {"a": {"$id": "urn:other"}}}`, []string{"at #/properties/a: $id is allowed only at the root"}},

		{"not a schema", `{"properties": {"a": 5}}`, []string{"at #/properties/a: a schema must be an object, true or false, got 5"}},
		{"not a schema document", `[]`, []string{"at #: a schema must be an object"}},
		{"type unknown", `{"type": "thing"}`, []string{`type "thing" is not a JSON Schema type`}},
		{"type empty", `{"type": []}`, []string{"type must name at least one type"}},
		{"type twice", `{"type": ["string", "string"]}`, []string{`type "string" is listed twice`}},
		{"type not a name", `{"type": 5}`, []string{"type must be a type name or a list of them, got 5"}},
		{"enum not a list", `{"enum": "a"}`, []string{`enum must be a list, got "a"`}},
		{"minimum not a number", `{"minimum": "5"}`, []string{`minimum must be a number, got "5"`}},
		{"multipleOf zero", `{"multipleOf": 0}`, []string{"multipleOf must be greater than 0, got 0"}},
		{"negative maxLength", `{"maxLength": -1}`, []string{"maxLength must be a whole number >= 0, got -1"}},
		{"fractional minItems", `{"minItems": 1.5}`, []string{"minItems must be a whole number >= 0, got 1.5"}},
		{"pattern Go cannot compile", `{"properties": {"a": {"pattern": "^(?!x)"}}}`,
			[]string{`at #/properties/a: pattern "^(?!x)" is not a regular expression Go accepts (RE2 syntax: no lookaround, no backreferences)`, "invalid or unsupported Perl syntax"}},
		{"backreference", `{"pattern": "(a)\\1"}`, []string{"is not a regular expression Go accepts"}},
		{"patternProperties Go cannot compile", `{"patternProperties": {"(?<=a)b": true}}`, []string{`patternProperties "(?<=a)b" is not a regular expression Go accepts`}},
		{"required twice", `{"required": ["a", "a"]}`, []string{`required lists "a" twice`}},
		{"required not names", `{"required": [1]}`, []string{"required must be a list of property names, got 1 in it"}},
		{"allOf empty", `{"allOf": []}`, []string{"allOf must be a non-empty list of schemas"}},
		{"properties not an object", `{"properties": []}`, []string{"properties must be an object of schemas, got a list"}},
		{"title not a string", `{"title": 5}`, []string{"title must be a string, got 5"}},
		{"examples not a list", `{"examples": 5}`, []string{"examples must be a list, got 5"}},
		{"uniqueItems not a bool", `{"uniqueItems": "yes"}`, []string{`uniqueItems must be true or false, got "yes"`}},
		{"goDuration not a bool", `{"goDuration": "yes"}`, []string{`goDuration must be true or false`}},
		{"bad minDuration", `{"minDuration": "5"}`, []string{`minDuration "5" is not a Go duration like "30s"`}},
		{"bad maxDuration", `{"maxDuration": 5}`, []string{`maxDuration must be a string, got 5`}},

		{"file reference", `{"$ref": "file:///etc/passwd"}`, []string{"external schema references are not allowed"}},
		{"URL reference", `{"properties": {"a": {"$ref": "https://example.invalid/s.json#/x"}}}`, []string{"at #/properties/a", "external schema references are not allowed"}},
		{"relative reference", `{"$ref": "other.json"}`, []string{"external schema references are not allowed"}},
		{"anchor reference", `{"$defs": {"a": {"$anchor": "port"}}, "$ref": "#port"}`, []string{`$ref "#port": only JSON Pointer references`}},
		{"dangling reference", `{"$ref": "#/$defs/missing"}`, []string{`$ref "#/$defs/missing" points at nothing in the schema`}},
		{"bad pointer escape", `{"$defs": {"a": true}, "$ref": "#/$defs/~2"}`, []string{"points at nothing"}},
		{"reference cycle", `{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}}`,
			[]string{"applies itself to the same value without end: /$defs/a -> /$defs/b -> /$defs/a"}},
		{"self reference", `{"$ref": "#"}`, []string{"applies itself to the same value without end"}},
		{"cycle through anyOf", `{"$defs": {"a": {"anyOf": [{"type": "string"}, {"$ref": "#/$defs/a"}]}}}`, []string{"applies itself to the same value without end"}},
		{"cycle through not", `{"not": {"allOf": [{"$ref": "#"}]}}`, []string{"applies itself to the same value without end"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := settings.Compile(tt.schema)
			if err == nil {
				t.Fatalf("Compile(%s) = nil error, want a refusal", tt.schema)
			}
			if !strings.HasPrefix(err.Error(), "settings schema") {
				t.Errorf("Compile(%s) error = %v, want it to start with \"settings schema\"", tt.schema, err)
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Compile(%s) error = %v, want it to contain %q", tt.schema, err, want)
				}
			}
		})
	}
}

// Recursion that steps into the value ends with the value: it compiles.
func TestCompileAcceptsRecursionIntoValues(t *testing.T) {
	for _, schema := range []string{
		`{"properties": {"next": {"$ref": "#"}}}`,
		`{"$defs": {"tree": {"type": "object", "additionalProperties": {"$ref": "#/$defs/tree"}}}, "$ref": "#/$defs/tree"}`,
		`{"$defs": {"list": {"items": {"anyOf": [{"type": "integer"}, {"$ref": "#/$defs/list"}]}}}, "$ref": "#/$defs/list"}`,
		`{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"type": "string"}}, "allOf": [{"$ref": "#/$defs/a"}, {"$ref": "#/$defs/a"}]}`,
	} {
		if _, err := settings.Compile(schema); err != nil {
			t.Errorf("Compile(%s) error = %v", schema, err)
		}
	}
}

// A schema built to multiply the work (each level tries both branches of
// an anyOf that both fail late) is refused at a bound, not checked for
// ever.
func TestValidateBoundsWork(t *testing.T) {
	defs := map[string]any{"d30": map[string]any{"type": "string"}}
	for i := 29; i >= 0; i-- {
		next := map[string]any{"$ref": "#/$defs/d" + strconv.Itoa(i+1)}
		defs["d"+strconv.Itoa(i)] = map[string]any{"anyOf": []any{next, map[string]any{"allOf": []any{next, true}}}}
	}
	raw, err := json.Marshal(map[string]any{"$defs": defs, "$ref": "#/$defs/d0"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := settings.Compile(string(raw))
	if err != nil {
		t.Fatalf("Compile() error = %v", err)
	}
	if err := v.Validate([]byte(`"fine"`)); err != nil {
		t.Errorf("Validate(valid) = %v", err)
	}
	want := []settings.Problem{{Message: "is too complex to check against this schema (more than 1048576 steps)"}}
	err = v.Validate([]byte(`1`))
	if diff := cmp.Diff(want, settings.Problems(err)); diff != "" {
		t.Errorf("Validate(invalid) problems mismatch (-want +got):\n%s", diff)
	}
	// Under "not", running out of work must not turn into a pass.
	raw, err = json.Marshal(map[string]any{"$defs": defs, "not": map[string]any{"$ref": "#/$defs/d0"}})
	if err != nil {
		t.Fatal(err)
	}
	if v, err = settings.Compile(string(raw)); err != nil {
		t.Fatalf("Compile() error = %v", err)
	}
	err = v.Validate([]byte(`1`))
	if diff := cmp.Diff(want, settings.Problems(err)); diff != "" {
		t.Errorf("Validate(not of too complex) problems mismatch (-want +got):\n%s", diff)
	}
}

// testdata/containers-schema.json is the containers plugin's hand-written
// settings schema from before it derived one from its settings struct: a
// real hand-written schema, as third-party plugins write them.
func TestContainersSchema(t *testing.T) {
	schema := readSchema(t, filepath.Join("testdata", "containers-schema.json"))
	v, err := settings.Compile(schema)
	if err != nil {
		t.Fatalf("Compile(containers settingsSchema) error = %v", err)
	}
	tests := []struct {
		value string
		want  []settings.Problem
	}{
		{`{}`, nil},
		{`{"endpoints": [{"name": "local", "host": "unix:///var/run/docker.sock"}, {"name": "nas", "host": "ssh://me@nas", "tls": {"ca": "ca.pem"}, "label_filter": "a=b"}],
			"containers": {"nas/plex": {"display_name": "Plex", "order": 1, "active": true, "actions": ["start", "logs"], "show_stats": false, "info": "i", "ip_port": "1.2.3.4:80", "protected_info": "p", "protected_password_hash": "h"}},
			"protected": ["db"], "action_timeout_seconds": 2.5, "max_concurrent_actions": 3, "start_check_seconds": 0}`, nil},
		{`{"endpoints": [{"host": "http://x"}]}`, problems(
			p("endpoints[0].host", `must match the pattern ^(unix|tcp|ssh)://, got "http://x"`),
			p("endpoints[0].name", "is required"))},
		{`{"containers": {"-bad": {}, "ok": {"actions": ["start", "start", "explode"], "order": 1.5}}}`, problems(
			p("containers", `the name "-bad" is not allowed`),
			p("containers.ok.actions", "must not repeat items: items 0 and 1 are the same"),
			p("containers.ok.actions[2]", `must be one of "start", "stop", "restart", "logs", got "explode"`),
			p("containers.ok.order", "must be a whole number, got 1.5"))},
		{`{"max_concurrent_actions": -1, "colour": "red"}`, problems(
			p("colour", "is not a known setting (known: action_timeout_seconds, containers, endpoints, max_concurrent_actions, protected, start_check_seconds)"),
			p("max_concurrent_actions", "must be >= 0, got -1"))},
	}
	for _, tt := range tests {
		err := v.Validate([]byte(tt.value))
		if diff := cmp.Diff(tt.want, settings.Problems(err)); diff != "" || (tt.want == nil) != (err == nil) {
			t.Errorf("Validate(%s) = %v; problems mismatch (-want +got):\n%s", tt.value, err, diff)
		}
	}
}

// readSchema returns a schema document from a file.
func readSchema(t testing.TB, file string) string {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read schema: %v", err)
	}
	return string(raw)
}
