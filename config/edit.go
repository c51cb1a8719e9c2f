package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Setting is one value for Edit: Key is dotted ("discord.guild_ids",
// "plugins.containers.settings"), Value anything YAML can encode.
type Setting struct {
	Key   string
	Value any
}

// Edit returns the config file data with each setting's value set,
// creating the sections and keys that are missing and keeping everything
// else, comments included. Lists of strings are written in flow style
// (["1", "2"]), as in the default file. data must hold one YAML mapping
// (or nothing).
func Edit(data []byte, settings []Setting) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("parse the config file: %w", err)
	}
	if doc.Kind == 0 {
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("the config file is not a YAML mapping (line %d)", root.Line)
	}
	for _, s := range settings {
		var v yaml.Node
		if err := v.Encode(s.Value); err != nil {
			return nil, fmt.Errorf("set %s: %w", s.Key, err)
		}
		if _, ok := s.Value.([]string); ok {
			v.Style = yaml.FlowStyle
		}
		if err := setPath(root, strings.Split(s.Key, "."), &v); err != nil {
			return nil, fmt.Errorf("set %s: %w", s.Key, err)
		}
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("write the config file: %w", err)
	}
	return out.Bytes(), enc.Close()
}

// setPath sets path under the mapping m to v, creating mappings on the way.
func setPath(m *yaml.Node, path []string, v *yaml.Node) error {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != path[0] {
			continue
		}
		if len(path) == 1 {
			v.HeadComment, v.LineComment = m.Content[i+1].HeadComment, m.Content[i+1].LineComment
			m.Content[i+1] = v
			return nil
		}
		next := m.Content[i+1]
		if next.Kind != yaml.MappingNode {
			if next.Kind == yaml.ScalarNode && (next.Tag == "!!null" || next.Value == "") {
				*next = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", HeadComment: next.HeadComment, LineComment: next.LineComment}
			} else {
				return fmt.Errorf("%s (line %d) is not a section", path[0], next.Line)
			}
		}
		return setPath(next, path[1:], v)
	}
	key := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: path[0]}
	if len(path) == 1 {
		m.Content = append(m.Content, key, v)
		return nil
	}
	next := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	m.Content = append(m.Content, key, next)
	return setPath(next, path[1:], v)
}
