package containers

import (
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
)

// defaultOrder sorts containers that have no order configured.
const defaultOrder = 1000

// view is a container with its settings resolved.
type view struct {
	c         ctr
	ep        *endpoint
	ref       api.Ref
	display   string
	order     int
	visible   bool
	actions   []api.Op
	showStats bool
	info      string
	ipPort    string
	pinfo     string
	phash     string
	protected bool
	reachable bool
}

// can reports whether op is allowed on v.
func (v view) can(op api.Op) bool { return slices.Contains(v.actions, op) }

// label is how messages name v.
func (v view) label() string {
	if v.display != v.c.Name {
		return v.display + " (" + v.ref.String() + ")"
	}
	return v.ref.String()
}

// toInfo returns v as the contract shows it.
func (v view) toInfo() api.ContainerInfo {
	ci := api.ContainerInfo{
		Container: v.ref.String(), Endpoint: v.ep.spec.Name, Name: v.c.Name, DisplayName: v.display, ID: v.c.ID,
		State: v.c.State, Health: v.c.Health, Image: v.c.Image, ExitCode: v.c.ExitCode, Reachable: v.reachable,
		Actions: v.actions, Protected: v.protected, ShowStats: v.showStats, Order: v.order,
		HasInfo: v.info != "" || v.ipPort != "", HasProtectedInfo: v.pinfo != "",
	}
	if ci.Actions == nil {
		ci.Actions = []api.Op{}
	}
	if !v.reachable {
		ci.State, ci.Health = api.StateUnknown, api.HealthNone
	}
	if (ci.State == api.StateRunning || ci.State == api.StatePaused) && !v.c.StartedAt.IsZero() {
		ci.StartedAt = v.c.StartedAt.UTC()
	}
	if ci.State == api.StateRunning && !ci.StartedAt.IsZero() {
		ci.UptimeSeconds = int64(time.Since(v.c.StartedAt).Seconds())
	}
	return ci
}

// sortKey holds what api.Compare sorts by.
func (v view) sortKey() api.ContainerInfo {
	return api.ContainerInfo{Order: v.order, DisplayName: v.display, Container: v.ref.String()}
}

// resolve applies settings and labels to c; settings win over labels.
func (p *Plugin) resolve(cfg config, e *endpoint, multi bool, c ctr, reachable bool) view {
	v := view{c: c, ep: e, display: c.Name, order: defaultOrder, visible: true, actions: api.Ops(), showStats: true, reachable: reachable}
	if multi {
		v.ref = api.Ref{Endpoint: e.spec.Name, Name: c.Name}
	} else {
		v.ref = api.Ref{Name: c.Name}
	}
	v.applyLabels(c.Labels)
	s, ok := cfg.containers[e.spec.Name+"/"+c.Name]
	if !ok {
		s, ok = cfg.containers[c.Name]
	}
	if ok {
		v.applySettings(s)
	}
	if cfg.protected[c.Name] || cfg.protected[e.spec.Name+"/"+c.Name] || p.isSelf(c.ID) {
		v.protected = true
	}
	return v
}

// applyLabels applies a container's ddc.* labels.
func (v *view) applyLabels(l map[string]string) {
	if l["ddc.enable"] != "" {
		if b, err := strconv.ParseBool(l["ddc.enable"]); err == nil {
			v.visible = b
		}
	}
	if n := strings.TrimSpace(l["ddc.name"]); n != "" {
		v.display = n
	}
	if a, ok := l["ddc.actions"]; ok {
		v.actions = nil
		for _, x := range splitList(a) {
			if op := api.Op(x); op.Valid() {
				v.actions = append(v.actions, op)
			}
		}
	}
	if o, err := strconv.Atoi(l["ddc.order"]); err == nil {
		v.order = o
	}
	v.info = l["ddc.info"]
	if b, err := strconv.ParseBool(l["ddc.protected"]); err == nil && b {
		v.protected = true
	}
}

// applySettings applies a container's settings entry; they win over labels.
func (v *view) applySettings(s ContainerSettings) {
	if s.DisplayName != "" {
		v.display = s.DisplayName
	}
	if s.Order != nil {
		v.order = *s.Order
	}
	if s.Active != nil {
		v.visible = *s.Active
	}
	if s.Actions != nil {
		v.actions = s.Actions
	}
	if s.ShowStats != nil {
		v.showStats = *s.ShowStats
	}
	if s.Info != "" {
		v.info = s.Info
	}
	v.ipPort, v.pinfo, v.phash = s.IPPort, s.ProtectedInfo, s.ProtectedPasswordHash
}

// isSelf reports whether id is DDC's own container.
func (p *Plugin) isSelf(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.self[id] {
		return true
	}
	return len(p.hostname) == 12 && strings.HasPrefix(id, p.hostname)
}

// views returns the visible containers of every endpoint, in list order.
func (p *Plugin) views() []view {
	_, cfg, eps := p.state()
	var out []view
	for _, e := range eps {
		cs, ok := e.snapshot()
		for _, c := range cs {
			if v := p.resolve(cfg, e, len(eps) > 1, c, ok); v.visible {
				out = append(out, v)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b view) int { return api.Compare(a.sortKey(), b.sortKey()) })
	return out
}

// lookup validates ref and finds its container; no Docker call is made
// for an invalid ref.
func (p *Plugin) lookup(ref string) (view, error) {
	r, err := api.ParseRef(ref)
	if err != nil {
		return view{}, refError(err)
	}
	return p.find(r)
}

// find resolves a validated reference to a visible container.
func (p *Plugin) find(r api.Ref) (view, error) {
	_, cfg, eps := p.state()
	multi := len(eps) > 1
	var cands []*endpoint
	if r.Endpoint != "" {
		for _, e := range eps {
			if e.spec.Name == r.Endpoint {
				cands = append(cands, e)
			}
		}
		if len(cands) == 0 {
			return view{}, refuse(sdk.ErrNotFound, "error.no_endpoint", "Endpoint", quoted(r.Endpoint))
		}
	} else {
		cands = eps
	}
	var found []view
	var down []string
	for _, e := range cands {
		e.awaitFirstTry()
		if !e.status().reachable {
			down = append(down, e.spec.Name)
			continue
		}
		c, ok := e.byName(r.Name)
		if !ok {
			continue
		}
		if v := p.resolve(cfg, e, multi, c, true); v.visible {
			found = append(found, v)
		}
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) > 1:
		return view{}, refuse(sdk.ErrInvalid, "error.ambiguous", "Name", quoted(r.Name),
			"A", found[0].ep.spec.Name+"/"+r.Name, "B", found[1].ep.spec.Name+"/"+r.Name)
	case len(down) > 0:
		return view{}, refuse(sdk.ErrUnavailable, "error.endpoint_down", "Ref", r.String(), "Endpoints", strings.Join(down, ", "))
	}
	return view{}, refuse(sdk.ErrNotFound, "error.no_such", "Ref", quoted(r.String()))
}

// containerIDRe finds container ids in /proc files.
var containerIDRe = regexp.MustCompile(`(?:docker[-/]|containers/|libpod-)([0-9a-f]{64})`)

// selfIDs returns the ids of the container this process may run in: from
// /proc/self/cgroup (cgroup v1 and some v2 setups), and from the mounts of
// /etc/hostname, /etc/hosts and /etc/resolv.conf in /proc/self/mountinfo,
// which Docker bind-mounts from /var/lib/docker/containers/<id>/. Other
// lines of mountinfo are ignored: on a Docker host they name every running
// container.
func selfIDs() map[string]bool {
	ids := map[string]bool{}
	if b, err := os.ReadFile("/proc/self/cgroup"); err == nil {
		for _, m := range containerIDRe.FindAllStringSubmatch(string(b), -1) {
			ids[m[1]] = true
		}
	}
	if b, err := os.ReadFile("/proc/self/mountinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) < 5 || (f[4] != "/etc/hostname" && f[4] != "/etc/hosts" && f[4] != "/etc/resolv.conf") {
				continue
			}
			if m := containerIDRe.FindStringSubmatch(f[3]); m != nil {
				ids[m[1]] = true
			}
		}
	}
	return ids
}
