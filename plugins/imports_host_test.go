package plugins_test

import (
	"strings"
	"testing"
)

// TestHostRooms pins the host's inner boundaries: each room of the host
// reaches the others only through what the host package wires together.
func TestHostRooms(t *testing.T) {
	rooms := []struct {
		pkg       string   // a host package
		mustNotDo []string // packages it must not depend on, even indirectly
		why       string
	}{
		{
			pkg: "host/discord", mustNotDo: []string{"host/pluginhost", "host/web", "host/store", "config"},
			why: "the Discord side gets the plugin host through its own small Plugins interface, wired in host/",
		},
		{
			pkg: "host/policy", mustNotDo: []string{"host/discord", "host/pluginhost", "host/web", "host/store", "config"},
			why: "who may do what is decided from plain values; the callers hand them over",
		},
		{
			pkg: "host/pluginhost", mustNotDo: []string{"host/discord", "host/web", "config"},
			why: "the plugin host reaches Discord only through its Messenger interface",
		},
	}
	for _, r := range rooms {
		d := listDeps(t, "./"+r.pkg)
		root := module + "/" + r.pkg
		for _, bad := range r.mustNotDo {
			target := module + "/" + bad
			hit := func(p string) bool { return p == target || strings.HasPrefix(p, target+"/") }
			if chain := findChain(root, d.imports, hit); chain != nil {
				t.Errorf("%s must not depend on %s (%s); import chain:\n\t%s", r.pkg, bad, r.why, strings.Join(chain, "\n\t-> "))
			}
		}
	}
}
