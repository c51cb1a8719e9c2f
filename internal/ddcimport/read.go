package ddcimport

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// maxFileSize caps one JSON file: DockerDiscordControl's are kilobytes; a
// bigger one is the wrong file.
const maxFileSize = 4 << 20

// object is one JSON object of a source file, read field by field so that
// every wrong type is reported with the file and the field's path.
type object struct {
	file string // relative to the source directory, e.g. "containers/plex.json"
	path string // of the object inside the file, "" at the top, else "info."
	m    map[string]json.RawMessage
	used map[string]bool
}

// readFile reads name (relative to dir) as one JSON value; found is false
// when the file does not exist.
func readFile(dir, name string) (raw json.RawMessage, found bool, err error) {
	f, err := os.Open(filepath.Join(dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", name, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, true, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > maxFileSize {
		return nil, true, fmt.Errorf("%s: over %d MiB; not a DockerDiscordControl config file", name, maxFileSize>>20)
	}
	if !json.Valid(data) {
		var v any
		err := json.Unmarshal(data, &v)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
			return nil, true, fmt.Errorf("%s: not valid JSON: line %d: %v", name, line, se)
		}
		return nil, true, fmt.Errorf("%s: not valid JSON: %v", name, err)
	}
	return data, true, nil
}

// readObject reads name as a JSON object; found is false when it does not
// exist.
func readObject(dir, name string) (o *object, found bool, err error) {
	raw, found, err := readFile(dir, name)
	if err != nil || !found {
		return nil, found, err
	}
	o, err = newObject(name, "", raw)
	return o, true, err
}

func newObject(file, path string, raw json.RawMessage) (*object, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		where := strings.TrimSuffix(path, ".")
		if where == "" {
			return nil, fmt.Errorf("%s: want a JSON object at the top, got %s", file, kind(raw))
		}
		return nil, fmt.Errorf("%s: %s: want an object, got %s", file, where, kind(raw))
	}
	return &object{file: file, path: path, m: m, used: map[string]bool{}}, nil
}

// kind names the JSON type of raw for messages.
func kind(raw json.RawMessage) string {
	s := bytes.TrimSpace(raw)
	if len(s) == 0 {
		return "nothing"
	}
	switch s[0] {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// fieldError names the file and the field.
func (o *object) fieldError(key, want string, raw json.RawMessage) error {
	return fmt.Errorf("%s: %s%s: want %s, got %s", o.file, o.path, key, want, kind(raw))
}

// get returns key's value; ok is false when it is absent or null.
func (o *object) get(key string) (json.RawMessage, bool) {
	raw, ok := o.m[key]
	o.used[key] = true
	if !ok || kind(raw) == "null" {
		return nil, false
	}
	return raw, true
}

// has reports whether key is present and not null.
func (o *object) has(key string) bool {
	raw, ok := o.m[key]
	return ok && kind(raw) != "null"
}

// str returns a string field ("" when absent).
func (o *object) str(key string) (string, error) {
	raw, ok := o.get(key)
	if !ok {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", o.fieldError(key, "a string", raw)
	}
	return s, nil
}

// id returns a Discord id field given as a string or a whole number
// (Python writes either), as the exact digits ("" when absent).
func (o *object) id(key string) (string, error) {
	raw, ok := o.get(key)
	if !ok {
		return "", nil
	}
	return idOf(raw, func(want string) error { return o.fieldError(key, want, raw) })
}

func idOf(raw json.RawMessage, bad func(want string) error) (string, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s), nil
	}
	t := string(bytes.TrimSpace(raw))
	if _, err := strconv.ParseUint(t, 10, 64); err == nil {
		return t, nil
	}
	return "", bad("a Discord id (digits, as a string or a number)")
}

// boolean returns a bool field, def when absent.
func (o *object) boolean(key string, def bool) (bool, error) {
	raw, ok := o.get(key)
	if !ok {
		return def, nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		return def, o.fieldError(key, "true or false", raw)
	}
	return b, nil
}

// integer returns a whole-number field given as a number or a numeric
// string; nil when absent.
func (o *object) integer(key string) (*int, error) {
	raw, ok := o.get(key)
	if !ok {
		return nil, nil
	}
	var n json.Number
	var s string
	switch {
	case json.Unmarshal(raw, &n) == nil:
	case json.Unmarshal(raw, &s) == nil:
		if strings.TrimSpace(s) == "" {
			return nil, nil
		}
		n = json.Number(strings.TrimSpace(s))
	default:
		return nil, o.fieldError(key, "a whole number", raw)
	}
	v, err := strconv.Atoi(n.String())
	if err != nil {
		if f, ferr := n.Float64(); ferr == nil && f == float64(int(f)) {
			v = int(f)
		} else {
			return nil, o.fieldError(key, "a whole number", raw)
		}
	}
	return &v, nil
}

// number returns a numeric field (a number or a numeric string); ok is
// false when absent.
func (o *object) number(key string) (v float64, ok bool, err error) {
	raw, present := o.get(key)
	if !present {
		return 0, false, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		raw = json.RawMessage(strings.TrimSpace(s))
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return 0, false, o.fieldError(key, "a number", raw)
	}
	return v, true, nil
}

// strList returns a list of strings (numbers are taken as their digits,
// for ids); nil when absent.
func (o *object) strList(key string) ([]string, error) {
	raw, ok := o.get(key)
	if !ok {
		return nil, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, o.fieldError(key, "a list", raw)
	}
	out := make([]string, 0, len(items))
	for i, it := range items {
		s, err := idOf(it, func(string) error {
			return fmt.Errorf("%s: %s%s[%d]: want a string, got %s", o.file, o.path, key, i, kind(it))
		})
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// child returns an object field; nil when absent.
func (o *object) child(key string) (*object, error) {
	raw, ok := o.get(key)
	if !ok {
		return nil, nil
	}
	return newObject(o.file, o.path+key+".", raw)
}

// unused lists the keys nothing read, sorted, with their paths.
func (o *object) unused() []string {
	var out []string
	for k := range o.m {
		if !o.used[k] {
			out = append(out, o.path+k)
		}
	}
	slices.Sort(out)
	return out
}

// jsonFiles lists the *.json files of dir/sub, sorted; none when sub does
// not exist.
func jsonFiles(dir, sub string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(dir, sub))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s/: %w", sub, err)
	}
	var out []string
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".json") {
			out = append(out, sub+"/"+e.Name())
		}
	}
	return out, nil
}
