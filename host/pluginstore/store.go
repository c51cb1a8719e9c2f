// Package pluginstore installs, lists and removes external plugins under
// <data>/plugins: one directory per plugin, named for its id, holding the
// executable and the plugin.yaml the host reads (see pluginhost).
//
// An install runs the binary once, the way the host does, to read its
// manifest, then writes the plugin's directory beside the others and
// renames it into place, so the host (which watches <data>/plugins) never
// sees half an install. `ddc plugins install|list|remove` and the web UI's
// plugin manager both use it.
//
// It must never import the web server, the Discord side or the host's
// wiring (package host): it is the one place that changes installs, below
// all of them. Nor does it import any plugin package (plugins/): it
// installs binaries, whatever they are.
package pluginstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/sdk/grpcplugin"
)

// Modes of an installed plugin: nobody but the owner may change it.
const (
	dirMode  os.FileMode = 0o755
	exeMode  os.FileMode = 0o755
	descMode os.FileMode = 0o644
)

// MaxBinarySize is the largest plugin binary Stage accepts: 512 MiB.
const MaxBinarySize = 512 << 20

// staleAfter is the age after which a staging directory left by an
// interrupted install or removal is deleted by the next Stage.
const staleAfter = time.Hour

// stagingPrefix starts the names of directories an install or removal is
// working in; the host's discovery and watch skip them.
const stagingPrefix = ".ddc-"

// PluginsDir is <dataDir>/plugins.
func PluginsDir(dataDir string) string { return filepath.Join(dataDir, "plugins") }

// ErrInstalled is returned (wrapped) when a plugin with the candidate's id
// is installed already and Options.Upgrade is not set.
var ErrInstalled = errors.New("a plugin with this id is already installed")

// ErrReserved is returned (wrapped) when the candidate's id is a bundled
// plugin's.
var ErrReserved = errors.New("the id belongs to a plugin bundled with ddc")

// ErrNotInstalled is returned (wrapped) by Remove for an id that has no
// plugin directory.
var ErrNotInstalled = errors.New("no such plugin installed")

// Options are an install's choices.
type Options struct {
	// Upgrade allows replacing an installed plugin with the same id.
	Upgrade bool
	// Reserved are ids that may not be installed: the bundled plugins'.
	Reserved []string
}

// Staged is a plugin binary copied into <data>/plugins, described and
// checksummed, waiting for Commit or Discard: what an admin confirms.
type Staged struct {
	// Manifest is what the plugin says it is and offers.
	Manifest grpcplugin.Manifest
	// SHA256 is the hex digest of the binary, as plugin.yaml records it.
	SHA256 string
	// Size of the binary in bytes.
	Size int64

	pluginsDir string
	dir        string // the staging directory
	exe        string // the binary inside it
}

// Stage copies the plugin binary from r (at most MaxBinarySize bytes) into
// a staging directory under <dataDir>/plugins, runs it to read its
// manifest and checks the manifest as the host will. The caller must
// Commit or Discard the result.
func Stage(ctx context.Context, dataDir string, r io.Reader) (*Staged, error) {
	return stage(ctx, dataDir, r, MaxBinarySize)
}

func stage(ctx context.Context, dataDir string, r io.Reader, limit int64) (*Staged, error) {
	pdir := PluginsDir(dataDir)
	if err := os.MkdirAll(pdir, dirMode); err != nil {
		return nil, fmt.Errorf("create plugins directory: %w", err)
	}
	removeStale(pdir)
	dir, err := os.MkdirTemp(pdir, stagingPrefix+"install-")
	if err != nil {
		return nil, fmt.Errorf("create staging directory in %s: %w", pdir, err)
	}
	s := &Staged{pluginsDir: pdir, dir: dir, exe: filepath.Join(dir, "plugin")}
	if err := s.copyBinary(r, limit); err != nil {
		s.Discard()
		return nil, err
	}
	mf, err := Describe(ctx, s.exe)
	if err != nil {
		s.Discard()
		return nil, err
	}
	if err := pluginhost.ValidateManifest(mf); err != nil {
		s.Discard()
		return nil, fmt.Errorf("the plugin's manifest is invalid: %w", err)
	}
	s.Manifest = mf
	return s, nil
}

// removeStale deletes staging directories in pdir older than staleAfter:
// what an install or removal that was killed midway left.
func removeStale(pdir string) {
	entries, err := os.ReadDir(pdir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), stagingPrefix) {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > staleAfter {
			_ = os.RemoveAll(filepath.Join(pdir, e.Name()))
		}
	}
}

// copyBinary writes the binary (at most limit bytes) with its final mode
// and records its digest.
func (s *Staged) copyBinary(r io.Reader, limit int64) error {
	f, err := os.OpenFile(s.exe, os.O_CREATE|os.O_EXCL|os.O_WRONLY, exeMode)
	if err != nil {
		return fmt.Errorf("stage plugin binary: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(r, limit+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("copy plugin binary to %s: %w", s.exe, err)
	}
	if n > limit {
		return fmt.Errorf("the plugin binary is larger than %d MiB", limit>>20)
	}
	if n == 0 {
		return errors.New("the plugin binary is empty")
	}
	if err := os.Chmod(s.exe, exeMode); err != nil {
		return fmt.Errorf("stage plugin binary: %w", err)
	}
	s.SHA256, s.Size = hex.EncodeToString(h.Sum(nil)), n
	return nil
}

// Discard removes the staged copy. It is safe to call more than once and
// after Commit.
func (s *Staged) Discard() {
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
		s.dir = ""
	}
}

// Commit installs the staged plugin as <data>/plugins/<id>/ with its
// plugin.yaml, replacing an installed one with the same id only when
// opts.Upgrade is set. The new directory replaces the old in one rename
// where the system allows it.
func (s *Staged) Commit(opts Options) error {
	if s.dir == "" {
		return errors.New("install plugin: nothing staged (discarded or committed already)")
	}
	defer s.Discard()
	id := s.Manifest.ID
	for _, r := range opts.Reserved {
		if r == id {
			return fmt.Errorf("install plugin %s: %w; choose another id", id, ErrReserved)
		}
	}
	target := filepath.Join(s.pluginsDir, id)
	_, err := os.Lstat(target)
	exists := err == nil
	if exists && !opts.Upgrade {
		prev := "?"
		if d, err := pluginhost.LoadDescriptor(target); err == nil {
			prev = d.Version
		}
		return fmt.Errorf("install plugin %s %s: %w (version %s in %s); use --upgrade to replace it", id, s.Manifest.Version, ErrInstalled, prev, target)
	}
	if err := s.writeFinal(); err != nil {
		return err
	}
	if !exists {
		if err := os.Rename(s.dir, target); err != nil {
			return fmt.Errorf("install plugin %s into %s: %w", id, target, err)
		}
		s.dir = ""
		return nil
	}
	if err := exchange(s.dir, target); err != nil {
		return fmt.Errorf("upgrade plugin %s in %s: %w", id, target, err)
	}
	// s.dir now holds the old version; the deferred Discard removes it.
	return nil
}

// writeFinal gives the staged directory its final shape: the executable
// named for the id, plugin.yaml, modes.
func (s *Staged) writeFinal() error {
	id := s.Manifest.ID
	exe := filepath.Join(s.dir, id)
	if err := os.Rename(s.exe, exe); err != nil {
		return fmt.Errorf("install plugin %s: %w", id, err)
	}
	s.exe = exe
	d := pluginhost.Descriptor{
		ID: id, Name: s.Manifest.Name, Version: s.Manifest.Version,
		ProtocolVersion: s.Manifest.ProtocolVersion, Executable: id, SHA256: s.SHA256,
	}
	raw, err := yaml.Marshal(d)
	if err != nil {
		return fmt.Errorf("install plugin %s: encode %s: %w", id, pluginhost.DescriptorFile, err)
	}
	head := "# Written by `ddc plugins install`; the host refuses the executable if its SHA-256 changes.\n"
	file := filepath.Join(s.dir, pluginhost.DescriptorFile)
	if err := os.WriteFile(file, append([]byte(head), raw...), descMode); err != nil {
		return fmt.Errorf("install plugin %s: %w", id, err)
	}
	for path, mode := range map[string]os.FileMode{file: descMode, exe: exeMode, s.dir: dirMode} {
		if err := os.Chmod(path, mode); err != nil {
			return fmt.Errorf("install plugin %s: %w", id, err)
		}
	}
	return nil
}

// Install stages the binary at path and commits it: Stage and Commit in
// one step, for the command line. It returns the installed manifest.
func Install(ctx context.Context, dataDir, path string, opts Options) (grpcplugin.Manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return grpcplugin.Manifest{}, fmt.Errorf("install plugin: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return grpcplugin.Manifest{}, fmt.Errorf("install plugin: %w", err)
	} else if !fi.Mode().IsRegular() {
		return grpcplugin.Manifest{}, fmt.Errorf("install plugin: %s is not a regular file", path)
	}
	s, err := Stage(ctx, dataDir, f)
	if err != nil {
		return grpcplugin.Manifest{}, fmt.Errorf("install plugin %s: %w", path, err)
	}
	if err := s.Commit(opts); err != nil {
		return s.Manifest, err
	}
	return s.Manifest, nil
}

// Installed is one plugin directory under <data>/plugins.
type Installed struct {
	// Dir is the directory's name (the plugin's id when valid).
	Dir string
	// Descriptor is its plugin.yaml, when it could be read.
	Descriptor pluginhost.Descriptor
	// Err says why the host cannot use it; nil when it can.
	Err error
}

// List returns the plugins installed under <dataDir>/plugins, valid ones
// and ones the host refuses (with the reason), sorted by directory.
func List(dataDir string) ([]Installed, error) {
	pdir := PluginsDir(dataDir)
	descs, bad := pluginhost.Discover(pdir)
	if err, ok := bad[pdir]; ok {
		return nil, err
	}
	var out []Installed
	for _, d := range descs {
		out = append(out, Installed{Dir: filepath.Base(d.Dir), Descriptor: d})
	}
	for dir, err := range bad {
		out = append(out, Installed{Dir: dir, Err: err})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Dir < out[j].Dir })
	return out, nil
}

// Remove deletes the plugin directory <dataDir>/plugins/<id>: it is moved
// aside in one rename, then deleted. The plugin's settings in config.yaml
// and its stored data stay.
func Remove(dataDir, id string) error {
	if !pluginhost.ValidID(id) || id == "." || id == ".." {
		return fmt.Errorf("remove plugin: %q is not a plugin id", id)
	}
	pdir := PluginsDir(dataDir)
	target := filepath.Join(pdir, id)
	fi, err := os.Lstat(target)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove plugin %s: %w in %s", id, ErrNotInstalled, pdir)
	}
	if err != nil {
		return fmt.Errorf("remove plugin %s: %w", id, err)
	}
	if !fi.IsDir() && fi.Mode()&os.ModeSymlink == 0 {
		return fmt.Errorf("remove plugin %s: %s is not a plugin directory", id, target)
	}
	aside, err := os.MkdirTemp(pdir, stagingPrefix+"remove-")
	if err != nil {
		return fmt.Errorf("remove plugin %s: %w", id, err)
	}
	defer os.RemoveAll(aside)
	if err := os.Rename(target, filepath.Join(aside, id)); err != nil {
		return fmt.Errorf("remove plugin %s: %w", id, err)
	}
	return nil
}
