package pluginhost

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var fakeExe = []byte("#!/bin/sh\nexit 0\n")

func fakeSum() string {
	s := sha256.Sum256(fakeExe)
	return hex.EncodeToString(s[:])
}

// writeFile writes name under dir with mode, making parent directories.
func writeFile(t *testing.T, dir, name string, data []byte, mode os.FileMode) {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
	// WriteFile's mode is filtered by the umask.
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func descriptorYAML(fields map[string]string) string {
	base := map[string]string{
		"id": "echo", "name": "Echo", "version": "1.0.0", "protocol_version": "1",
		"executable": "bin/echo", "sha256": fakeSum(),
	}
	for k, v := range fields {
		base[k] = v
	}
	var b strings.Builder
	for _, k := range []string{"id", "name", "version", "protocol_version", "executable", "sha256", "args", "extra"} {
		if v, ok := base[k]; ok && v != "-" {
			b.WriteString(k + ": " + v + "\n")
		}
	}
	return b.String()
}

func TestLoadDescriptor(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) // dir is the plugin's directory; its parent is free to use
		want  []string                       // substrings of the error; none means valid
	}{
		{name: "valid", setup: func(t *testing.T, dir string) {}},
		{name: "uppercase sha256 with spaces", setup: func(t *testing.T, dir string) {
			writeFile(t, dir, DescriptorFile, []byte(descriptorYAML(map[string]string{"sha256": `"  ` + strings.ToUpper(fakeSum()) + ` "`})), 0o644)
		}},
		{name: "args", setup: func(t *testing.T, dir string) {
			writeFile(t, dir, DescriptorFile, []byte(descriptorYAML(map[string]string{"args": "[serve, --quiet]"})), 0o644)
		}},
		{name: "executable in plugin dir root", setup: func(t *testing.T, dir string) {
			writeFile(t, dir, "echo", fakeExe, 0o755)
			writeFile(t, dir, DescriptorFile, []byte(descriptorYAML(map[string]string{"executable": "./echo"})), 0o644)
		}},
		{name: "symlink inside the plugin dir", setup: func(t *testing.T, dir string) {
			if err := os.Symlink("bin/echo", filepath.Join(dir, "link")); err != nil {
				t.Fatal(err)
			}
			writeFile(t, dir, DescriptorFile, []byte(descriptorYAML(map[string]string{"executable": "link"})), 0o644)
		}},

		// missing and malformed fields
		{name: "no file", setup: func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, DescriptorFile)) }, want: []string{"read plugin descriptor", DescriptorFile}},
		{name: "empty file", setup: func(t *testing.T, dir string) { writeFile(t, dir, DescriptorFile, nil, 0o644) }, want: []string{DescriptorFile, "file is empty"}},
		{name: "not yaml", setup: func(t *testing.T, dir string) {
			writeFile(t, dir, DescriptorFile, []byte("id: [echo\n"), 0o644)
		}, want: []string{DescriptorFile}},
		{name: "missing id", setup: writeDesc(map[string]string{"id": "-"}), want: []string{"id: \"\" is not a plugin id"}},
		{name: "bad id", setup: writeDesc(map[string]string{"id": "Echo!"}), want: []string{`id: "Echo!"`}},
		{name: "missing version", setup: writeDesc(map[string]string{"version": "-"}), want: []string{`version: ""`}},
		{name: "bad version", setup: writeDesc(map[string]string{"version": "latest"}), want: []string{`version: "latest"`}},
		{name: "missing protocol version", setup: writeDesc(map[string]string{"protocol_version": "-"}), want: []string{"protocol_version: missing"}},
		{name: "negative protocol version", setup: writeDesc(map[string]string{"protocol_version": "-1"}), want: []string{"protocol_version: -1 is not a protocol version"}},
		{name: "protocol version not a number", setup: writeDesc(map[string]string{"protocol_version": "one"}), want: []string{DescriptorFile, "line 4", "`one`"}},
		{name: "missing executable", setup: writeDesc(map[string]string{"executable": "-"}), want: []string{"executable: missing"}},
		{name: "missing sha256", setup: writeDesc(map[string]string{"sha256": "-"}), want: []string{`sha256: ""`}},
		{name: "short sha256", setup: writeDesc(map[string]string{"sha256": fakeSum()[1:]}), want: []string{"sha256:", "not a SHA-256 hex digest"}},
		{name: "non-hex sha256", setup: writeDesc(map[string]string{"sha256": strings.Repeat("g", 64)}), want: []string{"not a SHA-256 hex digest"}},
		{name: "sha256 with prefix", setup: writeDesc(map[string]string{"sha256": "sha256:" + fakeSum()}), want: []string{"not a SHA-256 hex digest"}},
		{name: "unknown field", setup: writeDesc(map[string]string{"extra": "yes"}), want: []string{DescriptorFile, "extra"}},
		{name: "several problems", setup: writeDesc(map[string]string{"id": "-", "version": "-", "sha256": "x"}), want: []string{"id:", "version:", "sha256:"}},

		// the executable
		{name: "executable escapes with ..", setup: func(t *testing.T, dir string) {
			writeFile(t, filepath.Dir(dir), "outside", fakeExe, 0o755)
			writeFile(t, dir, DescriptorFile, []byte(descriptorYAML(map[string]string{"executable": "../outside"})), 0o644)
		}, want: []string{`executable: "../outside" escapes the plugin directory`}},
		{name: "executable escapes through bin/../..", setup: func(t *testing.T, dir string) {
			writeFile(t, filepath.Dir(dir), "outside", fakeExe, 0o755)
			writeFile(t, dir, DescriptorFile, []byte(descriptorYAML(map[string]string{"executable": "bin/../../outside"})), 0o644)
		}, want: []string{"escapes the plugin directory"}},
		{name: "executable symlink escapes", setup: func(t *testing.T, dir string) {
			writeFile(t, filepath.Dir(dir), "outside", fakeExe, 0o755)
			if err := os.Symlink("../outside", filepath.Join(dir, "link")); err != nil {
				t.Fatal(err)
			}
			writeFile(t, dir, DescriptorFile, []byte(descriptorYAML(map[string]string{"executable": "link"})), 0o644)
		}, want: []string{`"link" escapes the plugin directory`}},
		{name: "executable absolute", setup: func(t *testing.T, dir string) {
			writeFile(t, dir, DescriptorFile, []byte(descriptorYAML(map[string]string{"executable": filepath.Join(dir, "bin/echo")})), 0o644)
		}, want: []string{"must be relative to the plugin directory"}},
		{name: "executable missing", setup: func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "bin/echo")) }, want: []string{`executable: "bin/echo"`}},
		{name: "executable is a directory", setup: func(t *testing.T, dir string) {
			writeFile(t, dir, DescriptorFile, []byte(descriptorYAML(map[string]string{"executable": "bin"})), 0o644)
		}, want: []string{`"bin" is not a regular file`}},
		{name: "executable not executable", setup: func(t *testing.T, dir string) {
			writeFile(t, dir, "bin/echo", fakeExe, 0o644)
		}, want: []string{"is not executable"}},
		{name: "executable world-writable", setup: func(t *testing.T, dir string) {
			writeFile(t, dir, "bin/echo", fakeExe, 0o777)
		}, want: []string{"writable by every user"}},
		{name: "executable world-writable through symlink", setup: func(t *testing.T, dir string) {
			writeFile(t, dir, "bin/real", fakeExe, 0o757)
			os.Remove(filepath.Join(dir, "bin/echo"))
			if err := os.Symlink("real", filepath.Join(dir, "bin/echo")); err != nil {
				t.Fatal(err)
			}
		}, want: []string{"writable by every user"}},
		{name: "executable group-writable", setup: func(t *testing.T, dir string) {
			writeFile(t, dir, "bin/echo", fakeExe, 0o775)
		}, want: []string{`"bin/echo" is writable by its group`}},

		// the directory and the descriptor
		{name: "directory world-writable", setup: chmod(".", 0o757), want: []string{"plugin directory", "writable by every user", "chmod o-w"}},
		{name: "directory group-writable", setup: chmod(".", 0o775), want: []string{"plugin directory", "writable by its group", "chmod g-w"}},
		{name: "descriptor world-writable", setup: chmod(DescriptorFile, 0o646), want: []string{"plugin descriptor", DescriptorFile, "writable by every user"}},
		{name: "descriptor group-writable", setup: chmod(DescriptorFile, 0o664), want: []string{"plugin descriptor", DescriptorFile, "writable by its group"}},
		{name: "private directory and descriptor", setup: func(t *testing.T, dir string) {
			chmod(".", 0o700)(t, dir)
			chmod(DescriptorFile, 0o600)(t, dir)
		}},
		{name: "directory owned by a stranger", setup: chown(".", 4242), want: []string{"plugin directory", "owned by uid 4242"}},
		{name: "descriptor owned by a stranger", setup: chown(DescriptorFile, 4242), want: []string{"plugin descriptor", "owned by uid 4242"}},
		{name: "directory named differently", setup: writeDesc(map[string]string{"id": "other"}), want: []string{`id: "other" differs from the plugin directory's name "echo"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "plugins", "echo")
			writeFile(t, dir, "bin/echo", fakeExe, 0o755)
			writeFile(t, dir, DescriptorFile, []byte(descriptorYAML(nil)), 0o644)
			tt.setup(t, dir)
			d, err := LoadDescriptor(dir)
			if len(tt.want) > 0 {
				if err == nil {
					t.Fatalf("LoadDescriptor() = %+v, nil; want an error containing %q", d, tt.want)
				}
				// The temporary path holds the test's name; keep it out
				// of the match.
				msg := strings.ReplaceAll(err.Error(), filepath.Dir(filepath.Dir(dir)), "TMP")
				for _, w := range tt.want {
					if !strings.Contains(msg, w) {
						t.Errorf("LoadDescriptor() error = %v, want it to contain %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadDescriptor() error = %v", err)
			}
			if d.ID != "echo" || d.Version != "1.0.0" || d.ProtocolVersion != 1 || d.SHA256 != fakeSum() || d.Dir != dir {
				t.Errorf("LoadDescriptor() = %+v, want id echo, version 1.0.0, protocol 1, lowercase sha256, dir %s", d, dir)
			}
			if !filepath.IsAbs(d.Path) {
				t.Errorf("LoadDescriptor().Path = %q, want an absolute path", d.Path)
			}
			if fi, err := os.Stat(d.Path); err != nil || !fi.Mode().IsRegular() {
				t.Errorf("LoadDescriptor().Path = %q is not a regular file: %v", d.Path, err)
			}
		})
	}
}

// chmod sets the mode of name in the plugin's directory ("." for itself).
func chmod(name string, mode os.FileMode) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		if err := os.Chmod(filepath.Join(dir, name), mode); err != nil {
			t.Fatal(err)
		}
	}
}

// chown gives name in the plugin's directory to uid. Only root can; the
// case is skipped for other users, and fails under CI, which runs as root.
func chown(name string, uid int) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		if os.Getuid() != 0 {
			if os.Getenv("CI") == "true" {
				t.Fatal("the owner check needs root to give a file away; CI runs as root")
			}
			t.Skip("needs root to give a file to another user")
		}
		if err := os.Chown(filepath.Join(dir, name), uid, -1); err != nil {
			t.Fatal(err)
		}
	}
}

func writeDesc(fields map[string]string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		writeFile(t, dir, DescriptorFile, []byte(descriptorYAML(fields)), 0o644)
	}
}

func TestDiscover(t *testing.T) {
	root := filepath.Join(t.TempDir(), "plugins")
	good := func(id string) {
		dir := filepath.Join(root, id)
		writeFile(t, dir, "bin/echo", fakeExe, 0o755)
		writeFile(t, dir, DescriptorFile, []byte(descriptorYAML(map[string]string{"id": id})), 0o644)
	}
	good("beta")
	good("alpha")
	// A bad descriptor, a bad executable, a directory without a
	// descriptor, and a stray file.
	writeFile(t, filepath.Join(root, "broken"), DescriptorFile, []byte("id: broken\nbogus: 1\n"), 0o644)
	writeFile(t, filepath.Join(root, "writable"), "bin/echo", fakeExe, 0o777)
	writeFile(t, filepath.Join(root, "writable"), DescriptorFile, []byte(descriptorYAML(map[string]string{"id": "writable"})), 0o644)
	if err := os.MkdirAll(filepath.Join(root, "empty-dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, root, "README.txt", []byte("not a plugin"), 0o644)
	// A plugin developed elsewhere and linked in, and a dangling link.
	elsewhere := filepath.Join(filepath.Dir(root), "dev", "gamma")
	writeFile(t, elsewhere, "bin/echo", fakeExe, 0o755)
	writeFile(t, elsewhere, DescriptorFile, []byte(descriptorYAML(map[string]string{"id": "gamma"})), 0o644)
	if err := os.Symlink(elsewhere, filepath.Join(root, "gamma")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "nowhere"), filepath.Join(root, "dangling")); err != nil {
		t.Fatal(err)
	}

	descs, bad := Discover(root)
	var ids []string
	for _, d := range descs {
		ids = append(ids, d.ID)
	}
	if diff := cmp.Diff([]string{"alpha", "beta", "gamma"}, ids); diff != "" {
		t.Errorf("Discover() ids mismatch (-want +got):\n%s", diff)
	}
	var badDirs []string
	for dir := range bad {
		badDirs = append(badDirs, dir)
	}
	if diff := cmp.Diff([]string{"broken", "writable"}, badDirs, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("Discover() bad dirs mismatch (-want +got):\n%s", diff)
	}
	if err := bad["broken"]; err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("Discover() error for broken = %v, want it to name the unknown field", err)
	}
	if err := bad["writable"]; err == nil || !strings.Contains(err.Error(), "writable by every user") {
		t.Errorf("Discover() error for writable = %v, want it to refuse the executable", err)
	}

	t.Run("missing dir", func(t *testing.T) {
		descs, bad := Discover(filepath.Join(t.TempDir(), "nope"))
		if len(descs) != 0 || len(bad) != 0 {
			t.Errorf("Discover(missing) = %v, %v; want nothing", descs, bad)
		}
	})
	t.Run("dir is a file", func(t *testing.T) {
		file := filepath.Join(root, "README.txt")
		descs, bad := Discover(file)
		if len(descs) != 0 || bad[file] == nil {
			t.Errorf("Discover(file) = %v, %v; want an error for %s", descs, bad, file)
		}
	})
}
