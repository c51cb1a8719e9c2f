package pluginhost

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// DescriptorFile is the name of an external plugin's descriptor in its
// directory <data>/plugins/<id>/.
const DescriptorFile = "plugin.yaml"

// Descriptor says how to start one plugin: from plugin.yaml for external
// plugins, from the host itself for bundled ones.
type Descriptor struct {
	ID              string   `yaml:"id"`               // ID must match the plugin's manifest.
	Name            string   `yaml:"name"`             // Name shown to admins.
	Version         string   `yaml:"version"`          // Version must match the plugin's manifest.
	ProtocolVersion int      `yaml:"protocol_version"` // ProtocolVersion the plugin speaks.
	Executable      string   `yaml:"executable"`       // Executable, relative to the plugin's directory.
	SHA256          string   `yaml:"sha256"`           // SHA256 of the executable, recorded at install.
	Args            []string `yaml:"args"`             // Args passed to the executable.

	// Path is the executable's absolute path (filled in, not read).
	Path string `yaml:"-"`
	// Dir is the plugin's directory; empty for bundled plugins.
	Dir string `yaml:"-"`
	// Bundled plugins are the host's own executable re-run.
	Bundled bool `yaml:"-"`
}

var (
	idPattern      = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
	versionPattern = regexp.MustCompile(`^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?$`)
	sha256Pattern  = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// ValidID reports whether id is a valid plugin id: 1-64 of a-z 0-9 . - _,
// starting with a letter or digit.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// LoadDescriptor reads and validates <dir>/plugin.yaml. The directory and
// the file must be writable by no one but their owner, owned by root or
// the host's user, and the directory must be named for the plugin's id.
// Errors name the file and the field.
func LoadDescriptor(dir string) (Descriptor, error) {
	file := filepath.Join(dir, DescriptorFile)
	if err := checkPrivate(dir, "plugin directory"); err != nil {
		return Descriptor{}, err
	}
	if err := checkPrivate(file, "plugin descriptor"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return Descriptor{}, err
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return Descriptor{}, fmt.Errorf("read plugin descriptor: %w", err)
	}
	var d Descriptor
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	dec.KnownFields(true)
	if err := dec.Decode(&d); err != nil {
		if errors.Is(err, io.EOF) {
			return Descriptor{}, fmt.Errorf("%s: file is empty", file)
		}
		return Descriptor{}, fmt.Errorf("%s: %w", file, err)
	}
	d.Dir = dir
	var problems []error
	bad := func(field, format string, args ...any) {
		problems = append(problems, fmt.Errorf("%s: %s: %s", file, field, fmt.Sprintf(format, args...)))
	}
	if !idPattern.MatchString(d.ID) {
		bad("id", "%q is not a plugin id (1-64 of a-z 0-9 . - _, starting with a letter or digit)", d.ID)
	} else if base := filepath.Base(dir); base != d.ID {
		bad("id", "%q differs from the plugin directory's name %q (a plugin lives in <data>/plugins/<id>/; rename the directory)", d.ID, base)
	}
	if d.Version == "" || !versionPattern.MatchString(d.Version) {
		bad("version", "%q is not a semantic version like 1.2.3", d.Version)
	}
	if d.ProtocolVersion == 0 {
		bad("protocol_version", "missing")
	} else if d.ProtocolVersion < 0 {
		bad("protocol_version", "%d is not a protocol version", d.ProtocolVersion)
	}
	d.SHA256 = strings.ToLower(strings.TrimSpace(d.SHA256))
	if !sha256Pattern.MatchString(d.SHA256) {
		bad("sha256", "%q is not a SHA-256 hex digest (64 hex digits; record it with sha256sum at install)", d.SHA256)
	}
	if d.Executable == "" {
		bad("executable", "missing")
	} else if path, err := executablePath(dir, d.Executable); err != nil {
		bad("executable", "%v", err)
	} else {
		d.Path = path
	}
	if len(problems) > 0 {
		return d, errors.Join(problems...)
	}
	return d, nil
}

// executablePath resolves exe inside dir and checks that it stays there, is
// a regular executable file, and cannot be changed by other users.
func executablePath(dir, exe string) (string, error) {
	if filepath.IsAbs(exe) {
		return "", fmt.Errorf("%q must be relative to the plugin directory", exe)
	}
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", fmt.Errorf("resolve plugin directory: %w", err)
	}
	path, err := filepath.EvalSymlinks(filepath.Join(realDir, exe))
	if err != nil {
		return "", fmt.Errorf("%q: %w", exe, err)
	}
	if rel, err := filepath.Rel(realDir, path); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%q escapes the plugin directory", exe)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("%q: %w", exe, err)
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%q is not a regular file", exe)
	}
	if fi.Mode().Perm()&0o111 == 0 {
		return "", fmt.Errorf("%q is not executable (chmod +x)", exe)
	}
	if err := checkModeOwner(fi); err != nil {
		return "", fmt.Errorf("%q %w; refusing to run it", exe, err)
	}
	return path, nil
}

// checkPrivate refuses a plugin directory or descriptor (what) at path
// that users other than its owner may change, or that belongs to a user
// other than root or the host's own: whoever can change it can make the
// host run their code.
func checkPrivate(path, what string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := checkModeOwner(fi); err != nil {
		return fmt.Errorf("%s %s %w; refusing it", what, path, err)
	}
	return nil
}

// checkModeOwner says what is wrong with a file's mode or owner, if
// anything: writable by its group or every user, or owned by a stranger.
func checkModeOwner(fi os.FileInfo) error {
	perm := fi.Mode().Perm()
	switch {
	case perm&0o002 != 0:
		return fmt.Errorf("is writable by every user (mode %v; chmod o-w)", perm)
	case perm&0o020 != 0:
		return fmt.Errorf("is writable by its group (mode %v; chmod g-w)", perm)
	}
	if err := checkOwner(fi); err != nil {
		return fmt.Errorf("is %w", err)
	}
	return nil
}

// Discover reads every <pluginsDir>/*/plugin.yaml, skipping hidden
// directories (names starting with "."). It returns the valid
// descriptors and, separately, one error per directory that could not be
// used, keyed by directory name. A missing pluginsDir is not an error.
func Discover(pluginsDir string) ([]Descriptor, map[string]error) {
	bad := map[string]error{}
	entries, err := os.ReadDir(pluginsDir)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			bad[pluginsDir] = fmt.Errorf("read plugins directory: %w", err)
		}
		return nil, bad
	}
	var out []Descriptor
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			// Hidden: an install or removal at work (see pluginstore).
			continue
		}
		dir := filepath.Join(pluginsDir, e.Name())
		if e.Type()&fs.ModeSymlink != 0 {
			// A symlinked plugin directory counts; LoadDescriptor keeps its
			// executable inside the directory the link resolves to.
			if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
				continue
			}
		} else if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, DescriptorFile)); errors.Is(err, os.ErrNotExist) {
			continue
		}
		d, err := LoadDescriptor(dir)
		if err != nil {
			bad[e.Name()] = err
			continue
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Dir < out[j].Dir })
	return out, bad
}
