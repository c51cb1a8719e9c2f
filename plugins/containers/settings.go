package containers

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
)

// Defaults used when the settings leave a value out.
const (
	DefaultHost                 = "unix:///var/run/docker.sock" // DefaultHost is the endpoint used when none is configured.
	DefaultEndpointName         = "local"                       // DefaultEndpointName names that endpoint.
	DefaultActionTimeout        = 30 * time.Second              // DefaultActionTimeout bounds one action.
	DefaultMaxConcurrentActions = 3                             // DefaultMaxConcurrentActions per endpoint.
	DefaultStartCheck           = 2 * time.Second               // DefaultStartCheck is how long a started container is watched for an early exit.
)

// Settings are the plugin's settings, passed as JSON to Configure. The zero
// value works: one endpoint "local" on the standard socket, every container
// visible with every action allowed.
type Settings struct {
	// Endpoints are the Docker daemons to control.
	Endpoints []EndpointSettings `json:"endpoints,omitempty"`
	// Containers holds per-container settings keyed "endpoint/name" or
	// "name" (the first wins when both match).
	Containers map[string]ContainerSettings `json:"containers,omitempty"`
	// Protected names containers ("name" or "endpoint/name") that cannot be
	// stopped or restarted from Discord.
	Protected []string `json:"protected,omitempty"`
	// ActionTimeoutSeconds bounds one action; zero means 30.
	ActionTimeoutSeconds float64 `json:"action_timeout_seconds,omitempty"`
	// MaxConcurrentActions limits actions running at once per endpoint;
	// zero means 3.
	MaxConcurrentActions int `json:"max_concurrent_actions,omitempty"`
	// StartCheckSeconds is how long a container is watched after a start or
	// restart, so that one exiting at once is reported as failed; absent
	// means 2, zero turns the check off.
	StartCheckSeconds *float64 `json:"start_check_seconds,omitempty"`
}

// EndpointSettings describe one Docker daemon.
type EndpointSettings struct {
	// Name addresses the endpoint in "name/container".
	Name string `json:"name"`
	// Host is unix:///path, tcp://host:port or ssh://[user@]host[:port].
	Host string `json:"host"`
	// TLS holds client certificate files for tcp:// hosts.
	TLS *TLSSettings `json:"tls,omitempty"`
	// LabelFilter restricts the endpoint to containers with these labels:
	// "key" or "key=value", several separated by commas (all must match).
	LabelFilter string `json:"label_filter,omitempty"`
}

// TLSSettings are paths of PEM files for a tcp:// endpoint.
type TLSSettings struct {
	CA   string `json:"ca,omitempty"`   // CA verifies the daemon's certificate.
	Cert string `json:"cert,omitempty"` // Cert is the client certificate.
	Key  string `json:"key,omitempty"`  // Key is the client certificate's key.
}

// ContainerSettings configure one container; every field is optional.
type ContainerSettings struct {
	DisplayName           string   `json:"display_name,omitempty"`            // DisplayName is shown instead of the Docker name.
	Order                 *int     `json:"order,omitempty"`                   // Order sorts lists, lowest first.
	Active                *bool    `json:"active,omitempty"`                  // Active false hides the container.
	Actions               []api.Op `json:"actions,omitempty"`                 // Actions allowed: start, stop, restart, logs.
	ShowStats             *bool    `json:"show_stats,omitempty"`              // ShowStats false hides CPU and memory.
	Info                  string   `json:"info,omitempty"`                    // Info is text shown by /info.
	IPPort                string   `json:"ip_port,omitempty"`                 // IPPort is an address shown by /info.
	ProtectedInfo         string   `json:"protected_info,omitempty"`          // ProtectedInfo is shown after the password.
	ProtectedPasswordHash string   `json:"protected_password_hash,omitempty"` // ProtectedPasswordHash is a bcrypt or pbkdf2 hash.
}

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
// endpoints without a host.
func parseSettings(raw json.RawMessage, fallbackHost string) (config, error) {
	var s Settings
	if len(strings.TrimSpace(string(raw))) > 0 {
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil {
			return config{}, fmt.Errorf("decode containers settings: %w: %w", err, sdk.ErrInvalid)
		}
	}
	c := config{
		endpoints:  s.Endpoints,
		containers: s.Containers,
		protected:  map[string]bool{},
		timeout:    DefaultActionTimeout,
		maxActions: DefaultMaxConcurrentActions,
		startCheck: DefaultStartCheck,
	}
	if len(c.endpoints) == 0 {
		c.endpoints = []EndpointSettings{{Name: DefaultEndpointName, Host: fallbackHost}}
	}
	if err := checkEndpoints(c.endpoints, fallbackHost); err != nil {
		return config{}, err
	}
	if err := checkContainers(c.containers); err != nil {
		return config{}, err
	}
	for _, p := range s.Protected {
		if _, err := api.ParseRef(p); err != nil {
			return config{}, fmt.Errorf("protected container %q: %w: %w", p, err, sdk.ErrInvalid)
		}
		c.protected[p] = true
	}
	if err := s.applyLimits(&c); err != nil {
		return config{}, err
	}
	return c, nil
}

// checkEndpoints checks eps, filling in fallbackHost where the host is
// missing.
func checkEndpoints(eps []EndpointSettings, fallbackHost string) error {
	seen := map[string]bool{}
	for i, ep := range eps {
		if ep.Host == "" {
			eps[i].Host = fallbackHost
			ep.Host = fallbackHost
		}
		if err := api.ValidEndpointName(ep.Name); err != nil {
			return fmt.Errorf("endpoint %d: %w: %w", i+1, err, sdk.ErrInvalid)
		}
		if seen[ep.Name] {
			return fmt.Errorf("endpoint %q is configured twice: %w", ep.Name, sdk.ErrInvalid)
		}
		seen[ep.Name] = true
		if err := checkHost(ep); err != nil {
			return err
		}
		for _, lf := range splitList(ep.LabelFilter) {
			if k, _, _ := strings.Cut(lf, "="); k == "" {
				return fmt.Errorf("endpoint %q: label filter %q has no key: %w", ep.Name, lf, sdk.ErrInvalid)
			}
		}
	}
	return nil
}

// checkContainers checks the per-container settings.
func checkContainers(cs map[string]ContainerSettings) error {
	for key, c := range cs {
		if _, err := api.ParseRef(key); err != nil {
			return fmt.Errorf("container settings key %q: %w: %w", key, err, sdk.ErrInvalid)
		}
		for _, a := range c.Actions {
			if !a.Valid() {
				return fmt.Errorf("container %q: unknown action %q (want start, stop, restart or logs): %w", key, a, sdk.ErrInvalid)
			}
		}
	}
	return nil
}

// applyLimits checks the timeouts and limits of s and sets them in c.
func (s Settings) applyLimits(c *config) error {
	switch {
	case s.ActionTimeoutSeconds < 0:
		return fmt.Errorf("action_timeout_seconds %v is negative: %w", s.ActionTimeoutSeconds, sdk.ErrInvalid)
	case s.ActionTimeoutSeconds > 0:
		c.timeout = time.Duration(s.ActionTimeoutSeconds * float64(time.Second))
	}
	switch {
	case s.MaxConcurrentActions < 0:
		return fmt.Errorf("max_concurrent_actions %d is negative: %w", s.MaxConcurrentActions, sdk.ErrInvalid)
	case s.MaxConcurrentActions > 0:
		c.maxActions = s.MaxConcurrentActions
	}
	if s.StartCheckSeconds != nil {
		if *s.StartCheckSeconds < 0 {
			return fmt.Errorf("start_check_seconds %v is negative: %w", *s.StartCheckSeconds, sdk.ErrInvalid)
		}
		c.startCheck = time.Duration(*s.StartCheckSeconds * float64(time.Second))
	}
	return nil
}

// checkHost checks an endpoint's address and TLS files.
func checkHost(ep EndpointSettings) error {
	u, err := url.Parse(ep.Host)
	if err != nil {
		return fmt.Errorf("endpoint %q: host %q: %w: %w", ep.Name, ep.Host, err, sdk.ErrInvalid)
	}
	switch u.Scheme {
	case "unix":
		if u.Path == "" {
			return fmt.Errorf("endpoint %q: host %q has no socket path: %w", ep.Name, ep.Host, sdk.ErrInvalid)
		}
	case "tcp", "ssh":
		if u.Host == "" {
			return fmt.Errorf("endpoint %q: host %q has no address: %w", ep.Name, ep.Host, sdk.ErrInvalid)
		}
	default:
		return fmt.Errorf("endpoint %q: host %q: want unix://, tcp:// or ssh://: %w", ep.Name, ep.Host, sdk.ErrInvalid)
	}
	if ep.TLS != nil && u.Scheme != "tcp" {
		return fmt.Errorf("endpoint %q: tls is only for tcp:// hosts: %w", ep.Name, sdk.ErrInvalid)
	}
	if ep.TLS != nil && (ep.TLS.Cert == "") != (ep.TLS.Key == "") {
		return fmt.Errorf("endpoint %q: tls needs both cert and key: %w", ep.Name, sdk.ErrInvalid)
	}
	return nil
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

// settingsSchema is the JSON Schema of Settings, rendered by the web UI.
const settingsSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Containers",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "endpoints": {
      "title": "Docker endpoints",
      "description": "Docker daemons to control. Empty means one endpoint named local on DOCKER_HOST, or unix:///var/run/docker.sock.",
      "type": "array",
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": ["name"],
        "properties": {
          "name": {"type": "string", "title": "Name", "pattern": "^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$"},
          "host": {"type": "string", "title": "Host", "description": "unix:///var/run/docker.sock, tcp://host:2376 or ssh://user@host", "pattern": "^(unix|tcp|ssh)://"},
          "tls": {
            "type": "object",
            "title": "TLS files (tcp:// only)",
            "additionalProperties": false,
            "properties": {
              "ca": {"type": "string", "title": "CA certificate file"},
              "cert": {"type": "string", "title": "Client certificate file"},
              "key": {"type": "string", "title": "Client key file"}
            }
          },
          "label_filter": {"type": "string", "title": "Label filter", "description": "Only containers with these labels, e.g. com.example.managed=true (comma separated, all must match)"}
        }
      }
    },
    "containers": {
      "title": "Containers",
      "description": "Per-container settings keyed by endpoint/name or name. They win over ddc.* container labels.",
      "type": "object",
      "propertyNames": {"pattern": "^([a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}/)?[a-zA-Z0-9][a-zA-Z0-9_.-]+$"},
      "additionalProperties": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "display_name": {"type": "string", "title": "Display name", "maxLength": 100},
          "order": {"type": "integer", "title": "Order"},
          "active": {"type": "boolean", "title": "Active (visible in Discord)", "default": true},
          "actions": {"type": "array", "title": "Allowed actions", "uniqueItems": true, "items": {"enum": ["start", "stop", "restart", "logs"]}},
          "show_stats": {"type": "boolean", "title": "Show CPU and memory", "default": true},
          "info": {"type": "string", "title": "Info text", "maxLength": 1000},
          "ip_port": {"type": "string", "title": "Address shown by /info", "maxLength": 200},
          "protected_info": {"type": "string", "title": "Protected info", "maxLength": 1000},
          "protected_password_hash": {"type": "string", "title": "Protected info password hash (bcrypt or pbkdf2:sha256)", "writeOnly": true}
        }
      }
    },
    "protected": {
      "title": "Protected containers",
      "description": "Cannot be stopped or restarted from Discord. DDC's own container always is.",
      "type": "array",
      "items": {"type": "string"}
    },
    "action_timeout_seconds": {"type": "number", "title": "Action timeout (seconds)", "minimum": 0, "default": 30},
    "max_concurrent_actions": {"type": "integer", "title": "Concurrent actions per endpoint", "minimum": 0, "default": 3},
    "start_check_seconds": {"type": "number", "title": "Watch a started container for an early exit (seconds)", "minimum": 0, "default": 2}
  }
}`
