package ddcimport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/ddc-go/ddc/config"
	"github.com/ddc-go/ddc/host/store"
	sapi "github.com/ddc-go/ddc/plugins/scheduler/api"
)

// dbFile is the store's file in the data dir, as `ddc serve` opens it.
const dbFile = "ddc.db"

// schedulerKV is the scheduler plugin's KV namespace in the store (the
// host gives plugin id the namespace "plugin/<id>").
const schedulerKV = "plugin/scheduler"

// Result says what Apply wrote (or, for a dry run, would write).
type Result struct {
	// ConfigFile is the config.yaml written.
	ConfigFile string
	// TasksNew counts the tasks written; TasksKept those already in the
	// store with the same id, left as they are.
	TasksNew, TasksKept int
}

// Apply writes p into dataDir: config.yaml (edited in place, comments kept;
// lists of ids merged with what is there) and the scheduler's task
// records. It refuses while a DDC host runs on dataDir (the store's lock),
// and writes nothing unless the new config validates. dryRun checks
// everything and writes nothing.
func Apply(ctx context.Context, p *Plan, dataDir string, dryRun bool) (Result, error) {
	res := Result{ConfigFile: filepath.Join(dataDir, config.FileName)}
	data, err := os.ReadFile(res.ConfigFile)
	var current *config.Config
	switch {
	case errors.Is(err, fs.ErrNotExist):
		data = config.DefaultYAML()
	case err != nil:
		return res, fmt.Errorf("read %s: %w", res.ConfigFile, err)
	default:
		if current, err = config.Load(dataDir, nil, nil); err == nil {
			err = current.Validate()
		}
		if err != nil {
			return res, fmt.Errorf("the existing %s has problems; fix them first: %w", res.ConfigFile, err)
		}
	}
	edited, err := config.Edit(data, settingsFor(p, current))
	if err != nil {
		return res, err
	}
	if err := checkConfig(edited); err != nil {
		return res, err
	}
	if dryRun {
		res.TasksNew = len(p.Tasks)
		return res, nil
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return res, fmt.Errorf("create data dir %s: %w", dataDir, err)
	}
	st, err := store.Open(filepath.Join(dataDir, dbFile))
	if errors.Is(err, store.ErrLocked) {
		return res, fmt.Errorf("ddc is running on %s: stop it, import, then start it again (%w)", dataDir, err)
	}
	if err != nil {
		return res, err
	}
	defer st.Close()
	if err := config.WriteFile(res.ConfigFile, edited); err != nil {
		return res, err
	}
	res.TasksNew, res.TasksKept, err = writeTasks(ctx, st.KV(schedulerKV), p.Tasks)
	return res, err
}

// settingsFor lists the config values p sets, merged with current (nil
// when there is no config file yet).
func settingsFor(p *Plan, current *config.Config) []config.Setting {
	var out []config.Setting
	var d config.Discord
	if current != nil {
		d = current.Discord
	}
	lists := []struct {
		key       string
		have, add []string
	}{
		{"discord.guild_ids", d.GuildIDs, p.GuildIDs},
		{"discord.status_channels", d.StatusChannels, p.StatusChannels},
		{"discord.control_channels", d.ControlChannels, p.ControlChannels},
		{"discord.admin_users", d.AdminUsers, p.AdminUsers},
	}
	for _, l := range lists {
		if len(l.add) == 0 {
			continue
		}
		merged := slices.Clone(l.have)
		for _, id := range l.add {
			if !slices.Contains(merged, id) {
				merged = append(merged, id)
			}
		}
		out = append(out, config.Setting{Key: l.key, Value: merged})
	}
	if p.Token != "" {
		out = append(out, config.Setting{Key: "discord.token", Value: p.Token})
	}
	if p.Language != "" {
		out = append(out, config.Setting{Key: "language", Value: p.Language})
	}
	if p.HeartbeatURL != "" {
		out = append(out, config.Setting{Key: "heartbeat.url", Value: p.HeartbeatURL},
			config.Setting{Key: "heartbeat.interval", Value: p.HeartbeatInterval.String()})
	}
	if len(p.Containers) > 0 {
		merged := map[string]any{}
		if current != nil {
			if have, ok := current.Plugins["containers"].Settings["containers"].(map[string]any); ok {
				maps.Copy(merged, have)
			}
		}
		for name, e := range p.Containers {
			merged[name] = e
		}
		out = append(out, config.Setting{Key: "plugins.containers.settings.containers", Value: merged})
	}
	if p.Timezone != "" {
		out = append(out, config.Setting{Key: "plugins.scheduler.settings.timezone", Value: p.Timezone})
	}
	return out
}

// checkConfig loads and validates the edited config from a scratch copy,
// so that a mistake is found before the real file changes.
func checkConfig(data []byte) error {
	dir, err := os.MkdirTemp("", "ddc-import-check-")
	if err != nil {
		return fmt.Errorf("check the new config: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, config.FileName), data, 0o600); err != nil {
		return fmt.Errorf("check the new config: %w", err)
	}
	c, err := config.Load(dir, nil, nil)
	if err == nil {
		err = c.Validate()
	}
	if err != nil {
		return fmt.Errorf("the imported config would not be valid; nothing was written: %w", err)
	}
	return nil
}

// writeTasks stores each record under the scheduler's key, leaving a task
// that is already there (same id) as it is.
func writeTasks(ctx context.Context, kv *store.KV, recs []sapi.Record) (added, kept int, err error) {
	for _, r := range recs {
		key := sapi.KeyPrefix + r.Task.ID
		if _, found, err := kv.Get(ctx, key); err != nil {
			return added, kept, fmt.Errorf("task %s: %w", r.Task.ID, err)
		} else if found {
			kept++
			continue
		}
		raw, err := json.Marshal(r)
		if err != nil {
			return added, kept, fmt.Errorf("task %s: %w", r.Task.ID, err)
		}
		if err := kv.Put(ctx, key, raw); err != nil {
			return added, kept, fmt.Errorf("task %s: %w", r.Task.ID, err)
		}
		added++
	}
	return added, kept, nil
}
