package config

import (
	"fmt"
	"os"
	"strings"
)

// Change is one change Update makes: the value at Key (a path of mapping
// keys, e.g. ["plugins", "echo", "enabled"]) becomes Value, any value
// YAML can encode.
type Change struct {
	Key   []string
	Value any
}

// Update changes keys in the config file at path and writes it back
// atomically (WriteFile), keeping its comments and the order of its keys
// (through Edit); mappings missing on a key's path are created. Before
// writing, the new file is parsed as the host would parse it, so a change
// that would not parse is refused and the file stays as it was. The host's
// watcher picks the new file up like any other change (and rejects, with a
// log line, values its validation refuses). Callers serialise their
// Updates of one file: two at once could lose one change.
func Update(path string, changes ...Change) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("update %s: %w", path, err)
	}
	settings := make([]Setting, 0, len(changes))
	for _, c := range changes {
		for _, k := range c.Key {
			if k == "" || strings.Contains(k, ".") {
				return fmt.Errorf("update %s: key %q: a key part may not be empty or hold a dot", path, strings.Join(c.Key, "."))
			}
		}
		settings = append(settings, Setting{Key: strings.Join(c.Key, "."), Value: c.Value})
	}
	out, err := Edit(data, settings)
	if err != nil {
		return fmt.Errorf("update %s: %w", path, err)
	}
	if _, err := parseFile(out); err != nil {
		return fmt.Errorf("update %s: the edited file would not parse: %w", path, err)
	}
	return WriteFile(path, out)
}
