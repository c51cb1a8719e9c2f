package config

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Edit is one change Update makes: the value at Key (a path of mapping
// keys, e.g. ["plugins", "echo", "enabled"]) becomes Value, any value
// encoding/json or yaml could encode.
type Edit struct {
	Key   []string
	Value any
}

// Update changes keys in the config file at path and writes it back
// atomically (WriteFile), keeping its comments and the order of its keys;
// mappings missing on a key's path are created. Before writing, the new
// file is parsed as the host would parse it, so an edit that
// would not parse is refused and the file stays as it was. The host's
// watcher picks the new file up like any other change (and rejects, with
// a log line, values its validation refuses). Callers serialise their
// Updates of one file: two at once could lose one edit.
func Update(path string, edits ...Edit) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("update %s: %w", path, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("update %s: parse: %w", path, err)
	}
	if doc.Kind == 0 {
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return fmt.Errorf("update %s: the file does not hold one mapping", path)
	}
	for _, e := range edits {
		if err := setNode(doc.Content[0], e.Key, e.Value); err != nil {
			return fmt.Errorf("update %s: %s: %w", path, strings.Join(e.Key, "."), err)
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return fmt.Errorf("update %s: encode: %w", path, err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("update %s: encode: %w", path, err)
	}
	if _, err := parseFile(buf.Bytes()); err != nil {
		return fmt.Errorf("update %s: the edited file would not parse: %w", path, err)
	}
	return WriteFile(path, buf.Bytes())
}

// setNode sets key below the mapping m to v.
func setNode(m *yaml.Node, key []string, v any) error {
	if len(key) == 0 {
		return fmt.Errorf("empty key")
	}
	var val yaml.Node
	if err := val.Encode(v); err != nil {
		return fmt.Errorf("encode value: %w", err)
	}
	for i, k := range key {
		if m.Kind != yaml.MappingNode {
			return fmt.Errorf("%s is not a mapping", strings.Join(key[:i], "."))
		}
		var child *yaml.Node
		for j := 0; j+1 < len(m.Content); j += 2 {
			if m.Content[j].Value == k {
				child = m.Content[j+1]
				if i == len(key)-1 {
					val.HeadComment, val.LineComment = child.HeadComment, child.LineComment
					m.Content[j+1] = &val
					return nil
				}
			}
		}
		if i == len(key)-1 {
			m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, &val)
			return nil
		}
		if child == nil || child.Kind != yaml.MappingNode {
			if child != nil && !(child.Kind == yaml.ScalarNode && child.Tag == "!!null") {
				return fmt.Errorf("%s is not a mapping", strings.Join(key[:i+1], "."))
			}
			nm := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			if child == nil {
				m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, nm)
			} else {
				*child = *nm
				nm = child
			}
			child = nm
		}
		m = child
	}
	return nil
}
