package host

import (
	"encoding/json"
	"log/slog"
	"slices"
	"sync"

	"github.com/ddc-go/ddc/config"
	"github.com/ddc-go/ddc/host/policy"
	"github.com/ddc-go/ddc/host/store"
	"github.com/ddc-go/ddc/sdk"
)

// liveConfig is the config the host runs with, replaced when the file
// changes. The plugin host asks it per call, so changes apply at once.
type liveConfig struct {
	log    *slog.Logger
	grants map[string][]string // bundled plugins' own grants, by id

	mu      sync.Mutex
	current *config.Config
}

func (l *liveConfig) get() *config.Config {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.current
}

// swap makes c current and returns the one it replaces.
func (l *liveConfig) swap(c *config.Config) *config.Config {
	l.mu.Lock()
	defer l.mu.Unlock()
	old := l.current
	l.current = c
	return old
}

// settings is pluginhost.SettingsFunc.
func (l *liveConfig) settings(id string) (bool, json.RawMessage) {
	c := l.get()
	raw, err := c.PluginSettingsJSON(id)
	if err != nil {
		l.log.Error("plugin settings", "plugin", id, "error", err)
		raw = []byte("{}")
	}
	return c.PluginEnabled(id), raw
}

func (l *liveConfig) language() string { return l.get().Language }

func (l *liveConfig) kvQuota(id string) store.Quota {
	q := l.get().PluginKVQuota(id)
	return store.Quota{MaxKeys: q.MaxKeys, MaxBytes: q.MaxBytes}
}

// callerLevel is the level plugin caller is granted on target's actions:
// its bundled grants and plugins.<caller>.grants together.
func (l *liveConfig) callerLevel(caller, target string) sdk.Level {
	grants := append(slices.Clone(l.grants[caller]), l.get().PluginGrants(caller)...)
	return policy.GrantLevel(grants, target)
}
