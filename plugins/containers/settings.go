package containers

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk/settings"
)

// Defaults used when the settings leave a value out.
const (
	DefaultHost                 = "unix:///var/run/docker.sock" // DefaultHost is the endpoint used when none is configured.
	DefaultEndpointName         = "local"                       // DefaultEndpointName names that endpoint.
	DefaultActionTimeout        = 30 * time.Second              // DefaultActionTimeout bounds one action.
	DefaultMaxConcurrentActions = 3                             // DefaultMaxConcurrentActions per endpoint.
	DefaultStartCheck           = 2 * time.Second               // DefaultStartCheck is how long a started container is watched for an early exit.
)

// Settings are the plugin's settings, passed as JSON to Configure. Their
// limits are written once, in the struct tags: package sdk/settings turns
// them into the JSON Schema the web UI shows (Info.SettingsSchema) and
// checks Configure's JSON against it. Absent fields keep the defaults (see
// spec); no settings at all mean one endpoint "local" on DOCKER_HOST, or
// the standard socket, every container visible with every action allowed.
type Settings struct {
	// Endpoints are the Docker daemons to control.
	Endpoints []EndpointSettings `json:"endpoints,omitempty" jsonschema:"title=Docker endpoints" jsonschema_description:"The Docker daemons to control. Empty means one endpoint named local on DOCKER_HOST, or unix:///var/run/docker.sock when it is not set."`
	// Containers holds per-container settings keyed "endpoint/name" or
	// "name" (the first wins when both match).
	Containers map[string]ContainerSettings `json:"containers,omitempty" jsonschema:"title=Containers" jsonschema_description:"Settings of single containers, keyed by endpoint/name or by name (endpoint/name wins). They win over the containers' ddc.* labels, field by field."`
	// Protected names containers ("name" or "endpoint/name") that cannot be
	// stopped or restarted from Discord.
	Protected []string `json:"protected,omitempty" jsonschema:"title=Protected containers,uniqueItems=true" jsonschema_description:"Containers (name or endpoint/name) that cannot be stopped or restarted from Discord or by other plugins; starting them is allowed. DDC's own container always is protected."`
	// ActionTimeoutSeconds bounds one action.
	ActionTimeoutSeconds float64 `json:"action_timeout_seconds,omitempty" jsonschema:"title=Action timeout (seconds),minimum=1,maximum=3600" jsonschema_description:"How long one start, stop or restart may take, until Docker confirms its outcome. A stop that lets the container take longer gets that time plus 5 seconds."`
	// MaxConcurrentActions limits actions running at once per endpoint.
	MaxConcurrentActions int `json:"max_concurrent_actions,omitempty" jsonschema:"title=Concurrent actions per endpoint,minimum=1,maximum=50" jsonschema_description:"How many starts, stops and restarts run at once on one endpoint; more wait for a free slot."`
	// StartCheckSeconds is how long a container is watched after a start or
	// restart, so that one exiting at once is reported as failed; zero
	// turns the check off.
	StartCheckSeconds *float64 `json:"start_check_seconds,omitempty" jsonschema:"title=Start check (seconds),minimum=0,maximum=60" jsonschema_description:"How long a started or restarted container is watched, so that one that exits at once is reported as failed with its exit code. 0 turns the check off."`
}

// EndpointSettings describe one Docker daemon.
type EndpointSettings struct {
	// Name addresses the endpoint in "name/container"; see
	// api.ValidEndpointName.
	Name string `json:"name" jsonschema:"required,title=Name,pattern=^[a-zA-Z0-9][a-zA-Z0-9_.-]{0\\,63}$" jsonschema_description:"Names the endpoint in endpoint/container: 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit."`
	// Host is unix:///path, tcp://host:port or ssh://[user@]host[:port];
	// empty means DOCKER_HOST, else the standard socket.
	Host string `json:"host,omitempty" jsonschema:"title=Host,pattern=^(unix|tcp|ssh)://" jsonschema_description:"The daemon's address: unix:///var/run/docker.sock, tcp://host:2376 or ssh://user@host. Empty means DOCKER_HOST, or unix:///var/run/docker.sock when it is not set."`
	// TLS holds client certificate files for tcp:// hosts.
	TLS *TLSSettings `json:"tls,omitempty" jsonschema:"title=TLS (tcp:// only)" jsonschema_description:"Certificate files for a tcp:// host that requires TLS."`
	// LabelFilter restricts the endpoint to containers with these labels:
	// "key" or "key=value", several separated by commas (all must match).
	LabelFilter string `json:"label_filter,omitempty" jsonschema:"title=Label filter" jsonschema_description:"Show only containers with these labels: key or key=value, several separated by commas (all must match), for example com.example.managed=true."`
}

// TLSSettings are paths of PEM files for a tcp:// endpoint.
type TLSSettings struct {
	// CA verifies the daemon's certificate.
	CA string `json:"ca,omitempty" jsonschema:"title=CA certificate file" jsonschema_description:"PEM file of the certificate authority that signed the daemon's certificate. Empty uses the system's."`
	// Cert is the client certificate.
	Cert string `json:"cert,omitempty" jsonschema:"title=Client certificate file" jsonschema_description:"PEM file of DDC's client certificate; needs the key file too."`
	// Key is the client certificate's key.
	Key string `json:"key,omitempty" jsonschema:"title=Client key file" jsonschema_description:"PEM file of the client certificate's private key."`
}

// ContainerSettings configure one container; every field is optional, and
// one left out keeps what the container's labels say.
type ContainerSettings struct {
	// DisplayName is shown instead of the Docker name.
	DisplayName string `json:"display_name,omitempty" jsonschema:"title=Display name,maxLength=100" jsonschema_description:"Shown in Discord instead of the Docker name (wins over the ddc.name label)."`
	// Order sorts lists, lowest first.
	Order *int `json:"order,omitempty" jsonschema:"title=Order" jsonschema_description:"Lists are sorted by it, lowest first; a container without one counts as 1000 (wins over the ddc.order label)."`
	// Active false hides the container.
	Active *bool `json:"active,omitempty" jsonschema:"title=Active" jsonschema_description:"Off hides the container in Discord and from other plugins (wins over the ddc.enable label); empty keeps the label's choice, else visible."`
	// Actions allowed: start, stop, restart, logs.
	Actions []api.Op `json:"actions,omitempty" jsonschema:"title=Allowed actions,uniqueItems=true,enum=start,enum=stop,enum=restart,enum=logs" jsonschema_description:"What may be done with the container (wins over the ddc.actions label); empty keeps the label's list, else all four."`
	// ShowStats false hides CPU and memory.
	ShowStats *bool `json:"show_stats,omitempty" jsonschema:"title=Show CPU and memory" jsonschema_description:"Off hides the container's CPU and memory use; empty shows them."`
	// Info is text shown by /info.
	Info string `json:"info,omitempty" jsonschema:"title=Info text,maxLength=1000" jsonschema_description:"Text /info shows about the container (wins over the ddc.info label)."`
	// IPPort is an address shown by /info.
	IPPort string `json:"ip_port,omitempty" jsonschema:"title=Address,maxLength=200" jsonschema_description:"An address /info shows, for example game.example.com:25565."`
	// ProtectedInfo is shown after the password.
	ProtectedInfo string `json:"protected_info,omitempty" jsonschema:"title=Protected info,maxLength=1000" jsonschema_description:"Text /info and the status panels' info view show only to whoever enters the password (set its hash below)."`
	// ProtectedPasswordHash is a bcrypt or pbkdf2 hash.
	ProtectedPasswordHash string `json:"protected_password_hash,omitempty" jsonschema:"title=Protected info password hash,writeOnly=true" jsonschema_description:"A bcrypt hash ($2b$...) or a Werkzeug pbkdf2 hash (pbkdf2:sha256:600000$salt$hex) of the password, never the password itself."`
}

// spec is the settings' schema and defaults, built on first use: the ddc
// executable's every process (the host, each bundled plugin) would
// otherwise build it at start.
var spec = sync.OnceValue(func() *settings.Spec[Settings] {
	check := DefaultStartCheck.Seconds()
	return settings.MustNew(Settings{
		ActionTimeoutSeconds: DefaultActionTimeout.Seconds(),
		MaxConcurrentActions: DefaultMaxConcurrentActions,
		StartCheckSeconds:    &check,
	})
})

// config is Settings checked and with defaults applied.
type config struct {
	endpoints  []EndpointSettings
	containers map[string]ContainerSettings
	protected  map[string]bool
	timeout    time.Duration
	maxActions int
	startCheck time.Duration
}

// defaultHost is an endpoint's host when the settings give none: DOCKER_HOST
// when set, as for every Docker tool, else the local socket.
func defaultHost(getenv func(string) string) string {
	if h := strings.TrimSpace(getenv("DOCKER_HOST")); h != "" {
		return h
	}
	return DefaultHost
}

// parseSettings decodes and checks raw settings; fallbackHost fills in
// endpoints without a host. The schema's rules come first (spec().Decode);
// then the rules a schema cannot say: endpoint names used twice, hosts
// that are no URL, TLS on a host that is not tcp://, label filters without
// a key, container names that are not valid. A refusal is a
// *settings.Error naming every problem's field, as the web UI shows them.
func parseSettings(raw json.RawMessage, fallbackHost string) (config, error) {
	s, err := spec().Decode(raw)
	if err != nil {
		return config{}, err
	}
	c := config{
		endpoints:  s.Endpoints,
		containers: s.Containers,
		protected:  map[string]bool{},
		timeout:    time.Duration(s.ActionTimeoutSeconds * float64(time.Second)),
		maxActions: s.MaxConcurrentActions,
		startCheck: DefaultStartCheck,
	}
	if s.StartCheckSeconds != nil { // the schema refuses null; never trust it to
		c.startCheck = time.Duration(*s.StartCheckSeconds * float64(time.Second))
	}
	if len(c.endpoints) == 0 {
		c.endpoints = []EndpointSettings{{Name: DefaultEndpointName, Host: fallbackHost}}
	}
	var ps problems
	checkEndpoints(&ps, c.endpoints, fallbackHost)
	checkContainers(&ps, c.containers)
	for i, p := range s.Protected {
		if _, err := api.ParseRef(p); err != nil {
			ps.add(err.Error(), "protected", i)
		}
		c.protected[p] = true
	}
	if len(ps) > 0 {
		return config{}, &settings.Error{Problems: ps}
	}
	return c, nil
}

// problems collects what is wrong with settings beyond their schema.
type problems []settings.Problem

// add records msg about the setting at path: property names (string) and
// list indexes (int), as in ("endpoints", 0, "name").
func (ps *problems) add(msg string, path ...any) {
	var p, ptr strings.Builder
	for _, el := range path {
		switch el := el.(type) {
		case int:
			fmt.Fprintf(&p, "[%d]", el)
			fmt.Fprintf(&ptr, "/%d", el)
		case string:
			if p.Len() > 0 {
				p.WriteByte('.')
			}
			p.WriteString(el)
			ptr.WriteString("/" + strings.ReplaceAll(strings.ReplaceAll(el, "~", "~0"), "/", "~1"))
		}
	}
	*ps = append(*ps, settings.Problem{Path: p.String(), Pointer: ptr.String(), Message: msg})
}

// checkEndpoints checks eps, filling in fallbackHost where the host is
// missing.
func checkEndpoints(ps *problems, eps []EndpointSettings, fallbackHost string) {
	first := map[string]int{}
	for i, ep := range eps {
		if ep.Host == "" {
			eps[i].Host = fallbackHost
			ep.Host = fallbackHost
		}
		if j, dup := first[ep.Name]; dup {
			ps.add(fmt.Sprintf("endpoint %q is configured twice (also endpoints[%d])", ep.Name, j), "endpoints", i, "name")
		} else {
			first[ep.Name] = i
		}
		if field, msg := checkHost(ep); msg != "" {
			ps.add(msg, "endpoints", i, field)
		}
		for _, lf := range splitList(ep.LabelFilter) {
			if k, _, _ := strings.Cut(lf, "="); k == "" {
				ps.add(fmt.Sprintf("the filter %q has no label key; write key or key=value", lf), "endpoints", i, "label_filter")
			}
		}
	}
}

// checkContainers checks the keys of the per-container settings.
func checkContainers(ps *problems, cs map[string]ContainerSettings) {
	for _, key := range slices.Sorted(maps.Keys(cs)) {
		if _, err := api.ParseRef(key); err != nil {
			ps.add(err.Error()+"; key the settings by name or endpoint/name", "containers", key)
		}
	}
}

// checkHost checks an endpoint's address and TLS files; it returns the
// field at fault and what is wrong, or "", "".
func checkHost(ep EndpointSettings) (field, msg string) {
	u, err := url.Parse(ep.Host)
	if err != nil {
		return "host", fmt.Sprintf("%q is not a URL: %v", ep.Host, err)
	}
	switch u.Scheme {
	case "unix":
		if u.Path == "" {
			return "host", fmt.Sprintf("%q has no socket path; write unix:///path/to/docker.sock", ep.Host)
		}
	case "tcp", "ssh":
		if u.Host == "" {
			return "host", fmt.Sprintf("%q has no address; write %s://host:port", ep.Host, u.Scheme)
		}
	default:
		return "host", fmt.Sprintf("%q: want unix://, tcp:// or ssh://", ep.Host)
	}
	if ep.TLS != nil && u.Scheme != "tcp" {
		return "tls", "is only for tcp:// hosts"
	}
	if ep.TLS != nil && (ep.TLS.Cert == "") != (ep.TLS.Key == "") {
		return "tls", "needs both cert and key, or neither"
	}
	return "", ""
}

// splitList splits a comma list, trimming blanks and dropping empties.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
