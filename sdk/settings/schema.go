package settings

import (
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/invopop/jsonschema"
)

// schemaOf derives the JSON Schema document of struct type t, with the
// "default" keywords taken from def, t's defaults as JSON.
func schemaOf(t reflect.Type, def []byte) (string, error) {
	if path := findStdDuration(t, "", map[reflect.Type]bool{}); path != "" {
		return "", fmt.Errorf("field %s is a time.Duration, which JSON holds as nanoseconds; use settings.Duration (written \"30s\")", path)
	}
	r := &jsonschema.Reflector{
		// No $id from the Go package path, no $defs: one self-contained
		// tree, which is what a form generator wants.
		Anonymous:      true,
		DoNotReference: true,
		ExpandedStruct: true,
		// Only `jsonschema:"required"` makes a field required: the others
		// have defaults.
		RequiredFromJSONSchemaTags: true,
	}
	s := r.ReflectFromType(t)
	var defaults map[string]any
	if err := json.Unmarshal(def, &defaults); err != nil {
		return "", fmt.Errorf("decode defaults: %w", err)
	}
	addDefaults(s, defaults)
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode schema: %w", err)
	}
	return string(b), nil
}

// addDefaults sets each property's "default" from the defaults object,
// going into nested objects; a default from a struct tag wins.
func addDefaults(s *jsonschema.Schema, defaults map[string]any) {
	if s == nil || s.Properties == nil {
		return
	}
	for name, prop := range s.Properties.FromOldest() {
		v, ok := defaults[name]
		if !ok || prop == nil {
			continue
		}
		if obj, isObj := v.(map[string]any); isObj && prop.Properties != nil && prop.Properties.Len() > 0 {
			addDefaults(prop, obj)
			continue
		}
		if prop.Default == nil && v != nil {
			prop.Default = v
		}
	}
}

// findStdDuration returns the path of a time.Duration inside t, or "".
func findStdDuration(t reflect.Type, path string, seen map[reflect.Type]bool) string {
	if t == reflect.TypeFor[time.Duration]() {
		return path
	}
	if seen[t] {
		return ""
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Pointer:
		return findStdDuration(t.Elem(), path, seen)
	case reflect.Slice, reflect.Array:
		return findStdDuration(t.Elem(), path+"[]", seen)
	case reflect.Map:
		return findStdDuration(t.Elem(), path+"[key]", seen)
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name := f.Name
			if path != "" {
				name = path + "." + name
			}
			if p := findStdDuration(f.Type, name, seen); p != "" {
				return p
			}
		}
	}
	return ""
}
