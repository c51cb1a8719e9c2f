package config

import (
	"reflect"
	"slices"
)

// restartKeys are the keys a running host cannot apply: a change takes
// effect at the next start.
var restartKeys = []string{"web.listen"}

// NeedsRestart reports whether a change of key (as Changed names it) takes
// effect only when the host restarts.
func NeedsRestart(key string) bool { return slices.Contains(restartKeys, key) }

// Changed lists the keys whose values differ between a and b, sorted:
// "section.key" for the keys of a section ("web.listen",
// "discord.per_minute_cap"), "key" for a top-level value, "plugins.<id>"
// for a plugin added, removed or changed. It walks the schema, so keys
// added to Config are compared too.
func Changed(a, b *Config) []string {
	var keys []string
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	for i := range va.NumField() {
		f := va.Type().Field(i)
		name := f.Tag.Get("koanf")
		if name == "" || name == "-" {
			continue
		}
		fa, fb := va.Field(i), vb.Field(i)
		switch {
		case f.Type.Kind() == reflect.Struct:
			for j := range fa.NumField() {
				sub := f.Type.Field(j).Tag.Get("koanf")
				if sub != "" && sub != "-" && !reflect.DeepEqual(fa.Field(j).Interface(), fb.Field(j).Interface()) {
					keys = append(keys, name+"."+sub)
				}
			}
		case f.Type.Kind() == reflect.Map:
			for _, k := range fa.MapKeys() {
				if vbk := fb.MapIndex(k); !vbk.IsValid() || !reflect.DeepEqual(fa.MapIndex(k).Interface(), vbk.Interface()) {
					keys = append(keys, name+"."+k.String())
				}
			}
			for _, k := range fb.MapKeys() {
				if !fa.MapIndex(k).IsValid() {
					keys = append(keys, name+"."+k.String())
				}
			}
		case !reflect.DeepEqual(fa.Interface(), fb.Interface()):
			keys = append(keys, name)
		}
	}
	slices.Sort(keys)
	return keys
}
