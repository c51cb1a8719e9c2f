package scheduler

import (
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	// The IANA time zone database, embedded (about 450 kB of the binary):
	// DDC runs on a FROM-scratch image, which has no /usr/share/zoneinfo.
	// A system database, where there is one, is still preferred by
	// time.LoadLocation.
	_ "time/tzdata"
)

//go:generate go run ./internal/zonelist

// zonesTxt lists the time zone names of the embedded database, one per
// line, after a comment line.
//
//go:embed zones.txt
var zonesTxt string

// zoneNames returns the names in zones.txt, sorted; parsed on first use.
var zoneNames = sync.OnceValue(func() []string {
	var out []string
	for _, l := range strings.Split(zonesTxt, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
})

// zones loads time zones by name and keeps them: loading one reads and
// parses its data. It is safe for concurrent use.
type zones struct {
	mu sync.Mutex
	m  map[string]*time.Location
}

// errZone is the cause of every unknown zone name.
var errZone = errors.New("unknown time zone")

// load returns the zone named name and its canonical spelling. A name
// that differs from a known one only in case is taken as that one;
// "Local" (the host's zone, which may change) and "" are refused.
func (z *zones) load(name string) (*time.Location, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || strings.EqualFold(name, "local") {
		return nil, "", fmt.Errorf("%q: %w", name, errZone)
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	if loc, ok := z.m[name]; ok {
		return loc, name, nil
	}
	canonical := name
	loc, err := time.LoadLocation(name)
	if err != nil {
		i := slices.IndexFunc(zoneNames(), func(n string) bool { return strings.EqualFold(n, name) })
		if i < 0 {
			return nil, "", fmt.Errorf("%q: %w", name, errZone)
		}
		canonical = zoneNames()[i]
		if loc, err = time.LoadLocation(canonical); err != nil {
			return nil, "", fmt.Errorf("%q: %w", name, errZone)
		}
	}
	if z.m == nil {
		z.m = map[string]*time.Location{}
	}
	z.m[canonical] = loc
	return loc, canonical, nil
}

// matchZones returns up to n zone names containing query (any case),
// those starting with it (or with it after a '/') first.
func matchZones(query string, n int) []string {
	q := strings.ToLower(strings.TrimSpace(query))
	var first, rest []string
	for _, name := range zoneNames() {
		l := strings.ToLower(name)
		switch {
		case q == "" || strings.HasPrefix(l, q) || strings.Contains(l, "/"+q):
			first = append(first, name)
		case strings.Contains(l, q):
			rest = append(rest, name)
		}
		if len(first) >= n {
			break
		}
	}
	return slices.Clip(append(first, rest...)[:min(n, len(first)+len(rest))])
}
