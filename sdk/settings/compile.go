package settings

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// schema is one compiled schema: the document's root or one of its
// subschemas. It is immutable once Compile returns.
type schema struct {
	// loc is where the schema is in the document, a JSON Pointer.
	loc string

	// isBool marks the schemas true (anything) and false (nothing).
	isBool, boolValue bool

	types    typeSet
	hasConst bool
	constVal any
	hasEnum  bool
	enum     []any
	ref      *schema
	refText  string // the "$ref" as written, until it is resolved

	minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf *number

	minLength, maxLength int // -1 when absent
	pattern              *regexp.Regexp

	prefixItems              []*schema
	items, contains          *schema
	minContains, maxContains int // -1 when absent
	minItems, maxItems       int // -1 when absent
	uniqueItems              bool

	properties        map[string]*schema
	known             string // the properties' names, for "is not a known setting"
	patternProperties []patternSchema
	noAdditional      bool // "additionalProperties": false
	additional        *schema
	propertyNames     *schema
	required          []string
	dependentRequired []dependentRequired
	dependentSchemas  []dependentSchema
	minProperties     int // -1 when absent
	maxProperties     int // -1 when absent

	allOf, anyOf, oneOf    []*schema
	not, ifS, thenS, elseS *schema

	duration *durationCheck
}

// patternSchema is one entry of "patternProperties".
type patternSchema struct {
	re  *regexp.Regexp
	sch *schema
}

// dependentRequired is one entry of "dependentRequired".
type dependentRequired struct {
	prop     string
	required []string
}

// dependentSchema is one entry of "dependentSchemas".
type dependentSchema struct {
	prop string
	sch  *schema
}

// maxCompileErrors is how many problems of a schema Compile names.
const maxCompileErrors = 20

// draft2020 is the only "$schema" Compile accepts.
const draft2020 = "https://json-schema.org/draft/2020-12/schema"

// compiler turns a schema document into schemas. Every problem is
// collected, so one Compile names them all.
type compiler struct {
	doc   any
	nodes map[string]*schema // by location
	refs  []*schema          // schemas whose "$ref" is still to resolve
	errs  []string
}

// compileDoc compiles a decoded schema document.
func compileDoc(doc any) (*schema, error) {
	c := &compiler{doc: doc, nodes: map[string]*schema{}}
	root := c.compile(doc, "")
	c.resolveRefs()
	if len(c.errs) == 0 {
		c.findCycles()
	}
	if n := len(c.errs); n > maxCompileErrors {
		c.errs = append(c.errs[:maxCompileErrors], fmt.Sprintf("and %d more", n-maxCompileErrors))
	}
	if len(c.errs) > 0 {
		return nil, fmt.Errorf("settings schema: %s", strings.Join(c.errs, "; "))
	}
	return root, nil
}

// errorf records a problem of the schema at loc.
func (c *compiler) errorf(loc, format string, args ...any) {
	c.errs = append(c.errs, "at #"+loc+": "+fmt.Sprintf(format, args...))
}

// compile compiles the schema v found at loc.
func (c *compiler) compile(v any, loc string) *schema {
	if s, ok := c.nodes[loc]; ok {
		return s
	}
	s := &schema{loc: loc, minLength: -1, maxLength: -1, minItems: -1, maxItems: -1,
		minContains: -1, maxContains: -1, minProperties: -1, maxProperties: -1}
	c.nodes[loc] = s
	var obj map[string]any
	switch v := v.(type) {
	case bool:
		s.isBool, s.boolValue = true, v
		return s
	case map[string]any:
		obj = v
	default:
		c.errorf(loc, "a schema must be an object, true or false, got %s", show(v))
		return s
	}
	for _, k := range sortedKeys(obj) {
		c.keyword(s, k, obj[k])
	}
	s.duration = c.durationOf(s, obj)
	return s
}

// keyword compiles one keyword of s.
func (c *compiler) keyword(s *schema, k string, v any) {
	at := s.loc + "/" + escapeToken(k)
	for _, group := range []func(s *schema, k string, v any, at string) bool{
		c.annotationKeyword, c.valueKeyword, c.numberKeyword, c.stringKeyword,
		c.arrayKeyword, c.objectKeyword, c.logicKeyword, c.durationKeyword,
	} {
		if group(s, k, v, at) {
			return
		}
	}
	msg := fmt.Sprintf("unknown keyword %q", k)
	if hint := keywordHint(k); hint != "" {
		msg += ": " + hint
	} else {
		msg += " (package sdk/settings checks a subset of JSON Schema and refuses what it would not check)"
	}
	c.errorf(s.loc, "%s", msg)
}

// annotationKeyword compiles k into s if k is an annotation (checked for its type, otherwise ignored) or a keyword about the schema document ($schema, $id, $defs), and reports whether it was.
func (c *compiler) annotationKeyword(s *schema, k string, v any, at string) bool {
	switch k {
	case "title", "description", "$comment", "format", "contentEncoding", "contentMediaType", "$anchor":
		c.str(s, k, v)
	case "default", "examples":
		if _, ok := v.([]any); k == "examples" && !ok {
			c.errorf(s.loc, "examples must be a list, got %s", show(v))
		}
	case "deprecated", "readOnly", "writeOnly":
		c.boolean(s, k, v)
	case "contentSchema":
		c.compile(v, at)
	case "$schema":
		if str, ok := c.str(s, k, v); ok && strings.TrimSuffix(str, "#") != draft2020 {
			c.errorf(s.loc, "$schema %q: only JSON Schema draft 2020-12 (%q) is supported", str, draft2020)
		}
	case "$id":
		if _, ok := c.str(s, k, v); ok && s.loc != "" {
			c.errorf(s.loc, "$id is allowed only at the root of the schema")
		}
	case "$defs", "definitions":
		defs := c.schemaMap(s, k, v)
		for _, name := range sortedKeys(defs) {
			c.compile(defs[name], at+"/"+escapeToken(name))
		}
	default:
		return false
	}
	return true
}

// valueKeyword compiles k into s if k is type, const, enum or $ref, and reports whether it was.
func (c *compiler) valueKeyword(s *schema, k string, v any, at string) bool {
	switch k {
	case "type":
		s.types = c.typeSet(s, v)
	case "const":
		s.hasConst, s.constVal = true, v
	case "enum":
		list, ok := v.([]any)
		if !ok {
			c.errorf(s.loc, "enum must be a list, got %s", show(v))
		}
		s.hasEnum, s.enum = true, list
	case "$ref":
		if str, ok := c.str(s, k, v); ok {
			s.refText = str
			c.refs = append(c.refs, s)
		}
	default:
		return false
	}
	return true
}

// numberKeyword compiles k into s if k is a keyword about numbers, and reports whether it was.
func (c *compiler) numberKeyword(s *schema, k string, v any, at string) bool {
	switch k {
	case "minimum":
		s.minimum = c.number(s, k, v)
	case "maximum":
		s.maximum = c.number(s, k, v)
	case "exclusiveMinimum":
		s.exclusiveMinimum = c.number(s, k, v)
	case "exclusiveMaximum":
		s.exclusiveMaximum = c.number(s, k, v)
	case "multipleOf":
		s.multipleOf = c.number(s, k, v)
		if s.multipleOf != nil && s.multipleOf.cmp(number{small: true}) <= 0 {
			c.errorf(s.loc, "multipleOf must be greater than 0, got %s", show(v))
			s.multipleOf = nil
		}
	default:
		return false
	}
	return true
}

// stringKeyword compiles k into s if k is a keyword about strings, and reports whether it was.
func (c *compiler) stringKeyword(s *schema, k string, v any, at string) bool {
	switch k {
	case "minLength":
		s.minLength = c.count(s, k, v)
	case "maxLength":
		s.maxLength = c.count(s, k, v)
	case "pattern":
		s.pattern = c.regexp(s, k, v)
	default:
		return false
	}
	return true
}

// arrayKeyword compiles k into s if k is a keyword about arrays, and reports whether it was.
func (c *compiler) arrayKeyword(s *schema, k string, v any, at string) bool {
	switch k {
	case "prefixItems":
		s.prefixItems = c.schemaList(s, k, v)
	case "items":
		if _, isList := v.([]any); isList {
			c.errorf(s.loc, "items must be a schema; a list of schemas is prefixItems in draft 2020-12")
			return true
		}
		s.items = c.compile(v, at)
	case "contains":
		s.contains = c.compile(v, at)
	case "minContains":
		s.minContains = c.count(s, k, v)
	case "maxContains":
		s.maxContains = c.count(s, k, v)
	case "minItems":
		s.minItems = c.count(s, k, v)
	case "maxItems":
		s.maxItems = c.count(s, k, v)
	case "uniqueItems":
		s.uniqueItems, _ = c.boolean(s, k, v)
	default:
		return false
	}
	return true
}

// objectKeyword compiles k into s if k is a keyword about objects, and reports whether it was.
func (c *compiler) objectKeyword(s *schema, k string, v any, at string) bool {
	switch k {
	case "properties":
		props := c.schemaMap(s, k, v)
		s.properties = make(map[string]*schema, len(props))
		names := sortedKeys(props)
		for _, name := range names {
			s.properties[name] = c.compile(props[name], at+"/"+escapeToken(name))
		}
		if known := strings.Join(names, ", "); len(known) <= 200 {
			s.known = known
		}
	case "patternProperties":
		props := c.schemaMap(s, k, v)
		for _, p := range sortedKeys(props) {
			re, err := regexp.Compile(p)
			if err != nil {
				c.errorf(s.loc, "patternProperties %s", patternError(p, err))
				continue
			}
			s.patternProperties = append(s.patternProperties, patternSchema{re: re, sch: c.compile(props[p], at+"/"+escapeToken(p))})
		}
	case "additionalProperties":
		if b, ok := v.(bool); ok && !b {
			s.noAdditional = true
			return true
		}
		s.additional = c.compile(v, at)
	case "propertyNames":
		s.propertyNames = c.compile(v, at)
	case "required":
		s.required = c.names(s, k, v)
	case "dependentRequired":
		m, ok := v.(map[string]any)
		if !ok {
			c.errorf(s.loc, "dependentRequired must be an object, got %s", show(v))
			return true
		}
		for _, prop := range sortedKeys(m) {
			s.dependentRequired = append(s.dependentRequired, dependentRequired{prop: prop, required: c.names(s, k+"/"+prop, m[prop])})
		}
	case "dependentSchemas":
		m := c.schemaMap(s, k, v)
		for _, prop := range sortedKeys(m) {
			s.dependentSchemas = append(s.dependentSchemas, dependentSchema{prop: prop, sch: c.compile(m[prop], at+"/"+escapeToken(prop))})
		}
	case "minProperties":
		s.minProperties = c.count(s, k, v)
	case "maxProperties":
		s.maxProperties = c.count(s, k, v)
	default:
		return false
	}
	return true
}

// logicKeyword compiles k into s if k is a keyword that combines schemas (allOf, anyOf, oneOf, not, if/then/else), and reports whether it was.
func (c *compiler) logicKeyword(s *schema, k string, v any, at string) bool {
	switch k {
	case "allOf":
		s.allOf = c.schemaList(s, k, v)
	case "anyOf":
		s.anyOf = c.schemaList(s, k, v)
	case "oneOf":
		s.oneOf = c.schemaList(s, k, v)
	case "not":
		s.not = c.compile(v, at)
	case "if":
		s.ifS = c.compile(v, at)
	case "then":
		s.thenS = c.compile(v, at)
	case "else":
		s.elseS = c.compile(v, at)
	default:
		return false
	}
	return true
}

// durationKeyword compiles k into s if k is one of the package's own duration keywords, and reports whether it was.
func (c *compiler) durationKeyword(s *schema, k string, v any, at string) bool {
	switch k {
	case KeywordDuration:
		c.boolean(s, k, v)
	case KeywordMinDuration, KeywordMaxDuration:
		c.str(s, k, v)

	default:
		return false
	}
	return true
}

// keywordHint explains a JSON Schema keyword the package does not support.
func keywordHint(k string) string {
	switch k {
	case "additionalItems":
		return "use prefixItems for the first items and items for the rest (draft 2020-12)"
	case "dependencies":
		return "use dependentRequired or dependentSchemas (draft 2020-12)"
	case "unevaluatedProperties", "unevaluatedItems":
		return "not supported; use additionalProperties or items"
	case "$dynamicRef", "$dynamicAnchor", "$recursiveRef", "$recursiveAnchor", "$vocabulary":
		return "not supported; use $ref to #/$defs/..."
	}
	return ""
}

// str reads a string keyword.
func (c *compiler) str(s *schema, k string, v any) (string, bool) {
	str, ok := v.(string)
	if !ok {
		c.errorf(s.loc, "%s must be a string, got %s", k, show(v))
	}
	return str, ok
}

// boolean reads a true/false keyword.
func (c *compiler) boolean(s *schema, k string, v any) (bool, bool) {
	b, ok := v.(bool)
	if !ok {
		c.errorf(s.loc, "%s must be true or false, got %s", k, show(v))
	}
	return b, ok
}

// number reads a number keyword, or returns nil.
func (c *compiler) number(s *schema, k string, v any) *number {
	if n, ok := v.(json.Number); ok {
		if num, ok := parseNumber(string(n)); ok {
			return &num
		}
	}
	c.errorf(s.loc, "%s must be a number, got %s", k, show(v))
	return nil
}

// count reads a keyword that is a whole number >= 0, or returns -1.
func (c *compiler) count(s *schema, k string, v any) int {
	if n, ok := v.(json.Number); ok {
		if num, ok := parseNumber(string(n)); ok {
			if r := num.big(); r.IsInt() && r.Sign() >= 0 && r.Num().IsInt64() && r.Num().Int64() <= math.MaxInt {
				return int(r.Num().Int64())
			}
		}
	}
	c.errorf(s.loc, "%s must be a whole number >= 0, got %s", k, show(v))
	return -1
}

// regexp compiles a "pattern".
func (c *compiler) regexp(s *schema, k string, v any) *regexp.Regexp {
	p, ok := c.str(s, k, v)
	if !ok {
		return nil
	}
	re, err := regexp.Compile(p)
	if err != nil {
		c.errorf(s.loc, "%s %s", k, patternError(p, err))
		return nil
	}
	return re
}

// patternError explains a pattern Go cannot compile.
func patternError(p string, err error) string {
	return fmt.Sprintf("%q is not a regular expression Go accepts (RE2 syntax: no lookaround, no backreferences): %v", p, err)
}

// typeSet reads "type": one type name or a list of them.
func (c *compiler) typeSet(s *schema, v any) typeSet {
	var list []any
	switch v := v.(type) {
	case string:
		list = []any{v}
	case []any:
		if len(v) == 0 {
			c.errorf(s.loc, "type must name at least one type")
		}
		list = v
	default:
		c.errorf(s.loc, "type must be a type name or a list of them, got %s", show(v))
		return 0
	}
	var set typeSet
	for _, e := range list {
		name, _ := e.(string)
		t, ok := parseType(name)
		if !ok {
			c.errorf(s.loc, "type %s is not a JSON Schema type (null, boolean, number, integer, string, array, object)", show(e))
			continue
		}
		if set.has(t) {
			c.errorf(s.loc, "type %q is listed twice", name)
		}
		set |= typeSet(t)
	}
	return set
}

// names reads a list of distinct property names ("required").
func (c *compiler) names(s *schema, k string, v any) []string {
	list, ok := v.([]any)
	if !ok {
		c.errorf(s.loc, "%s must be a list of property names, got %s", k, show(v))
		return nil
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		name, ok := e.(string)
		if !ok {
			c.errorf(s.loc, "%s must be a list of property names, got %s in it", k, show(e))
			continue
		}
		if slices.Contains(out, name) {
			c.errorf(s.loc, "%s lists %q twice", k, name)
			continue
		}
		out = append(out, name)
	}
	return out
}

// schemaMap reads an object whose values are schemas.
func (c *compiler) schemaMap(s *schema, k string, v any) map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		c.errorf(s.loc, "%s must be an object of schemas, got %s", k, show(v))
	}
	return m
}

// schemaList compiles a non-empty list of schemas.
func (c *compiler) schemaList(s *schema, k string, v any) []*schema {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		c.errorf(s.loc, "%s must be a non-empty list of schemas, got %s", k, show(v))
		return nil
	}
	out := make([]*schema, len(list))
	for i, sub := range list {
		out[i] = c.compile(sub, s.loc+"/"+k+"/"+strconv.Itoa(i))
	}
	return out
}

// resolveRefs points every "$ref" at its schema. Only references inside
// the document are allowed: a JSON Pointer fragment ("#/$defs/name", "#").
// A plugin's schema never makes the host read a file or fetch a URL.
func (c *compiler) resolveRefs() {
	for i := 0; i < len(c.refs); i++ { // compiling a target may add refs
		s := c.refs[i]
		ref := s.refText
		frag, ok := strings.CutPrefix(ref, "#")
		if !ok {
			c.errorf(s.loc, "$ref %q: external schema references are not allowed; refer inside the schema, like \"#/$defs/name\"", ref)
			continue
		}
		if frag != "" && !strings.HasPrefix(frag, "/") {
			c.errorf(s.loc, "$ref %q: only JSON Pointer references like \"#/$defs/name\" are allowed", ref)
			continue
		}
		ptr, err := url.PathUnescape(frag)
		if err != nil {
			c.errorf(s.loc, "$ref %q: %v", ref, err)
			continue
		}
		if target, ok := c.nodes[ptr]; ok {
			s.ref = target
			continue
		}
		v, ok := c.lookup(ptr)
		if !ok {
			c.errorf(s.loc, "$ref %q points at nothing in the schema", ref)
			continue
		}
		s.ref = c.compile(v, ptr)
	}
}

// lookup returns the value at a JSON Pointer in the document.
func (c *compiler) lookup(ptr string) (any, bool) {
	cur := c.doc
	if ptr == "" {
		return cur, true
	}
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok, ok := unescapeToken(tok)
		if !ok {
			return nil, false
		}
		switch v := cur.(type) {
		case map[string]any:
			if cur, ok = v[tok]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(v) || strconv.Itoa(i) != tok {
				return nil, false
			}
			cur = v[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// findCycles refuses schemas that apply themselves to the same value
// without end ("$ref" to itself, or through allOf, anyOf, oneOf, not,
// if/then/else or dependentSchemas): recursion must go through
// properties or items, which step into the value.
func (c *compiler) findCycles() {
	const (
		unseen = iota
		open
		done
	)
	state := make(map[*schema]int, len(c.nodes))
	var path []string
	var visit func(s *schema) bool
	visit = func(s *schema) bool {
		switch state[s] {
		case open:
			start := slices.Index(path, s.loc)
			c.errorf(s.loc, "the schema applies itself to the same value without end: %s", strings.Join(append(path[start:], s.loc), " -> "))
			return false
		case done:
			return true
		}
		state[s] = open
		path = append(path, s.loc)
		for _, sub := range inPlace(s) {
			if !visit(sub) {
				return false
			}
		}
		path = path[:len(path)-1]
		state[s] = done
		return true
	}
	locs := make([]string, 0, len(c.nodes))
	for loc := range c.nodes {
		locs = append(locs, loc)
	}
	slices.Sort(locs)
	for _, loc := range locs {
		if !visit(c.nodes[loc]) {
			return
		}
	}
}

// inPlace lists the schemas s applies to the value it checks itself.
func inPlace(s *schema) []*schema {
	var out []*schema
	for _, sub := range []*schema{s.ref, s.not, s.ifS, s.thenS, s.elseS} {
		if sub != nil {
			out = append(out, sub)
		}
	}
	out = append(out, s.allOf...)
	out = append(out, s.anyOf...)
	out = append(out, s.oneOf...)
	for _, d := range s.dependentSchemas {
		out = append(out, d.sch)
	}
	return out
}

// escapeToken writes a JSON Pointer token: "~" as "~0", "/" as "~1".
func escapeToken(tok string) string {
	if !strings.ContainsAny(tok, "~/") {
		return tok
	}
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}

// unescapeToken reads a JSON Pointer token; "~" must be "~0" or "~1".
func unescapeToken(tok string) (string, bool) {
	if !strings.Contains(tok, "~") {
		return tok, true
	}
	var b strings.Builder
	for i := 0; i < len(tok); i++ {
		if tok[i] != '~' {
			b.WriteByte(tok[i])
			continue
		}
		if i+1 >= len(tok) || (tok[i+1] != '0' && tok[i+1] != '1') {
			return "", false
		}
		if tok[i+1] == '0' {
			b.WriteByte('~')
		} else {
			b.WriteByte('/')
		}
		i++
	}
	return b.String(), true
}

// sortedKeys returns m's keys in order.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
