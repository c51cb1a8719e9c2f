package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"go.yaml.in/yaml/v3"
)

// MaxFileSize is the largest config file Load and Watch accept (256 KiB):
// a config is a few kilobytes, so anything near this is the wrong file or
// an attack on the parser. A file at the limit loads in well under a
// second (BenchmarkLoadBigFile).
const MaxFileSize = 256 << 10

// maxAliasValues caps the values YAML aliases may expand to in one file, so
// that a few nested anchors cannot blow up into millions of values.
const maxAliasValues = 10000

// readFile reads the config file at path, refusing one larger than
// MaxFileSize without reading it all. A missing file is reported with an
// error wrapping fs.ErrNotExist.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > MaxFileSize {
		return nil, tooLarge(fi.Size())
	}
	// Read one byte more than allowed: a file that grows while being read
	// (or is not a regular file) is still caught.
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, tooLarge(int64(len(data)))
	}
	return data, nil
}

func tooLarge(size int64) error {
	return fmt.Errorf("file is %d bytes, over the %d-byte (%d KiB) limit for a config file; is it the right file?", size, MaxFileSize, MaxFileSize>>10)
}

// parseFile parses the config file's content into nested maps. The file
// must hold one YAML mapping. Parsing goes through yaml.Node, which is
// linear in the file's size (decoding a large mapping straight into a map
// is quadratic in yaml.v3), and expands aliases within a budget.
func parseFile(data []byte) (map[string]any, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the file is empty; it must be a YAML mapping of sections (web:, discord:, log:, plugins:); delete it and restart ddc to get the commented default")
		}
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, fmt.Errorf("line %d: a second YAML document (after ---); the config is one mapping", extra.Line)
	} else if !errors.Is(err, io.EOF) {
		return nil, err
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind == yaml.AliasNode {
		root = root.Alias
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: the file must be a YAML mapping of sections (web:, discord:, log:, plugins:), not %s", root.Line, kindName(root))
	}
	p := &nodeParser{}
	v, err := p.value(root, false)
	if err != nil {
		return nil, err
	}
	return v.(map[string]any), nil
}

// kindName names what a node is, for messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "an empty value"
		}
		return fmt.Sprintf("the value %q", shorten(n.Value))
	}
	return "this"
}

// shorten keeps values quoted in messages short.
func shorten(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}

// nodeParser turns a yaml.Node tree into maps, slices and scalars.
type nodeParser struct {
	// aliased counts the values produced by expanding aliases.
	aliased int
	// aliasLine is the line of the outermost alias being expanded.
	aliasLine int
}

func (p *nodeParser) value(n *yaml.Node, viaAlias bool) (any, error) {
	if viaAlias {
		p.aliased++
		if p.aliased > maxAliasValues {
			return nil, fmt.Errorf("line %d: aliases expand to more than %d values", p.aliasLine, maxAliasValues)
		}
	}
	switch n.Kind {
	case yaml.AliasNode:
		if p.aliasLine == 0 {
			p.aliasLine = n.Line
			defer func() { p.aliasLine = 0 }()
		}
		return p.value(n.Alias, true)
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, err
		}
		return v, nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := p.value(c, viaAlias)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		return p.mapping(n, viaAlias)
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
}

// mapping converts a mapping node. Keys are taken as strings; a key given
// twice is an error; merge keys ("<<: *base") add the keys the mapping
// does not set itself.
func (p *nodeParser) mapping(n *yaml.Node, viaAlias bool) (map[string]any, error) {
	out := make(map[string]any, len(n.Content)/2)
	lines := make(map[string]int, len(n.Content)/2)
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.AliasNode {
			k = k.Alias
		}
		if k.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("line %d: a key must be a plain value, not %s", k.Line, kindName(k))
		}
		if k.Tag == "!!merge" {
			merges = append(merges, v)
			continue
		}
		if first, dup := lines[k.Value]; dup {
			return nil, fmt.Errorf("line %d: key %q is already set on line %d", k.Line, shorten(k.Value), first)
		}
		lines[k.Value] = k.Line
		val, err := p.value(v, viaAlias)
		if err != nil {
			return nil, err
		}
		out[k.Value] = val
	}
	for _, m := range merges {
		srcs := []*yaml.Node{m}
		if m.Kind == yaml.SequenceNode {
			srcs = m.Content
		}
		for _, src := range srcs {
			outer := p.aliasLine
			if outer == 0 {
				p.aliasLine = src.Line
			}
			v, err := p.value(src, true)
			p.aliasLine = outer
			if err != nil {
				return nil, err
			}
			mm, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("line %d: a merge (<<) needs a mapping", src.Line)
			}
			for k, v := range mm {
				if _, set := out[k]; !set {
					out[k] = v
				}
			}
		}
	}
	return out, nil
}

// isNotExist reports whether err says the file is missing.
func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
