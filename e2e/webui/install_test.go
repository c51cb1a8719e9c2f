package webui

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ddc-go/ddc/internal/testkit/testbin"
)

// TestInstallUpload installs a plugin through the web UI the way an admin
// does, through the host's real installer (host/pluginstore): the echo
// example built as a standalone binary is uploaded, its manifest and
// SHA-256 are shown, and once confirmed it is installed under
// <data>/plugins and runs. An upload whose SHA-256 differs from the one
// typed in, a plugin whose id is a path ("../escaped") and a tar archive
// whose entry climbs out of the directory are refused, and nothing lands
// outside <data>/plugins.
func TestInstallUpload(t *testing.T) {
	bins := t.TempDir()
	echoBin, err := testbin.Build(bins, "ddc-echo", "github.com/ddc-go/ddc/plugins/examples/echo/cmd/ddc-echo")
	if err != nil {
		t.Fatal(err)
	}
	badID, err := testbin.Build(bins, "badid", "./testdata/badid")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(echoBin)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	echoSHA := hex.EncodeToString(sum[:])
	archive := filepath.Join(bins, "plugin.tar")
	writeTar(t, archive, "../../escaped-from-archive", "#!/bin/sh\necho escaped\n")

	// echo is not one of this host's bundled plugins here: it installs
	// as a third-party plugin.
	base, data := serveOn(t, "127.0.0.1:0", map[string]any{}, map[string]any{"plugins": map[string]any{
		"containers": map[string]any{"settings": map[string]any{}},
		"scheduler":  map[string]any{"settings": map[string]any{}},
	}})
	// Installed plugins run as their own user, who must pass through
	// the directories above <data>/plugins.
	for _, d := range []string{filepath.Dir(data), data} {
		if err := os.Chmod(d, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	ctx := browser(t)
	setupAdmin(t, ctx, base)

	upload := func(t *testing.T, file, expect string) {
		t.Helper()
		steps := []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(base + "/plugins/install"),
			chromedp.WaitVisible(chromedp.ID("#install-upload")),
			chromedp.SetUploadFiles(chromedp.ID("#binary"), []string{file}),
		}
		if expect != "" {
			steps = append(steps, chromedp.SendKeys(chromedp.ID("#sha256"), expect))
		}
		steps = append(steps, chromedp.Click(chromedp.ID("#install-upload")), chromedp.WaitVisible(chromedp.CSS("#install-error, #staged")))
		run(t, ctx, "upload "+filepath.Base(file), steps...)
	}
	refused := []struct {
		name, file, expect, want string
	}{
		{"wrong checksum", echoBin, strings.Repeat("0", 64), "checksum mismatch"},
		{"id that is a path", badID, "", "manifest is invalid"},
		{"archive climbing out", archive, "", "refused"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			upload(t, tt.file, tt.expect)
			msg := get(t, ctx, "install error", chromedp.Evaluate[string](`(document.getElementById("install-error") || {}).textContent || ""`))
			t.Logf("refused: %s", msg)
			if !strings.Contains(msg, tt.want) {
				t.Errorf("upload of %s: error %q, want %q", tt.name, msg, tt.want)
			}
			if n := get(t, ctx, "staged", chromedp.Evaluate[int](`document.querySelectorAll("#staged, #install-confirm").length`)); n != 0 {
				t.Errorf("upload of %s: offered for install", tt.name)
			}
			screenshot(t, ctx, "install-refused-"+strings.ReplaceAll(tt.name, " ", "-"))
		})
	}

	t.Run("install echo", func(t *testing.T) {
		upload(t, echoBin, echoSHA)
		shown := get(t, ctx, "staged sha", chromedp.Text(chromedp.ID("#staged-sha256")))
		if shown != echoSHA {
			t.Errorf("shown SHA-256 %q, want %q", shown, echoSHA)
		}
		table := get(t, ctx, "manifest", chromedp.Text(chromedp.ID("#staged")))
		if !strings.Contains(table, "echo") {
			t.Errorf("manifest shown:\n%s", table)
		}
		screenshot(t, ctx, "install-staged")
		run(t, ctx, "confirm", chromedp.Click(chromedp.ID("#install-confirm")), chromedp.WaitVisible(chromedp.ID("#plugins")))
		state := `(() => { const s = document.querySelector('tr[data-plugin="echo"] .state'); return s ? s.textContent : "" })()`
		deadline := time.Now().Add(30 * time.Second)
		for get(t, ctx, "echo state", chromedp.Evaluate[string](state)) != "running" {
			if time.Now().After(deadline) {
				html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
				t.Fatalf("echo not running within 30s:\n%s", html)
			}
			time.Sleep(500 * time.Millisecond)
			if get(t, ctx, "row", chromedp.Evaluate[int](`document.querySelectorAll('tr[data-plugin="echo"]').length`)) == 0 {
				run(t, ctx, "reload", chromedp.Navigate(base+"/plugins"), chromedp.WaitVisible(chromedp.ID("#plugins")))
			}
		}
		installed, err := os.ReadFile(filepath.Join(data, "plugins", "echo", "echo"))
		if err != nil {
			t.Fatalf("installed binary: %v", err)
		}
		if got := sha256.Sum256(installed); hex.EncodeToString(got[:]) != echoSHA {
			t.Error("the installed binary differs from the upload")
		}
		pid := get(t, ctx, "echo pid", chromedp.Evaluate[int](`(async () => (await (await fetch(document.querySelector('meta[name="ddc-base"]').content + "/api/v1/plugins")).json()).plugins.find(p => p.id === "echo").pid)()`, chromedp.EvalAwaitPromise))
		exe, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "exe"))
		if err != nil || !strings.HasPrefix(exe, filepath.Join(data, "plugins", "echo")) {
			t.Errorf("echo's process %d runs %q (%v), want the installed binary", pid, exe, err)
		}
		screenshot(t, ctx, "install-running")
	})

	// An upgrade: the same plugin, a different binary (bytes appended to
	// the ELF file change its checksum, not its manifest). Without the
	// upgrade box the install is refused and the old binary stays; with
	// it the new binary is installed and the plugin runs it.
	t.Run("upgrade echo", func(t *testing.T) {
		newBin := filepath.Join(bins, "ddc-echo-2")
		if err := os.WriteFile(newBin, append(raw[:len(raw):len(raw)], "\nddc upgrade test\n"...), 0o755); err != nil {
			t.Fatal(err)
		}
		newRaw, err := os.ReadFile(newBin)
		if err != nil {
			t.Fatal(err)
		}
		newSum := sha256.Sum256(newRaw)
		newSHA := hex.EncodeToString(newSum[:])
		installedSHA := func() string {
			b, err := os.ReadFile(filepath.Join(data, "plugins", "echo", "echo"))
			if err != nil {
				t.Fatalf("installed binary: %v", err)
			}
			got := sha256.Sum256(b)
			return hex.EncodeToString(got[:])
		}

		upload(t, newBin, newSHA)
		run(t, ctx, "confirm without upgrade", chromedp.Click(chromedp.ID("#install-confirm")), chromedp.WaitNotPresent(chromedp.ID("#install-confirm")))
		body := get(t, ctx, "refusal", chromedp.Text(chromedp.CSS("main")))
		if !strings.Contains(body, "already installed") {
			t.Errorf("installing echo again without upgrade: page says %q, want it refused as already installed", body)
		}
		if installedSHA() != echoSHA {
			t.Error("a refused install replaced the installed binary")
		}
		screenshot(t, ctx, "upgrade-refused")

		upload(t, newBin, newSHA)
		run(t, ctx, "confirm upgrade",
			chromedp.Click(chromedp.CSS(`input[name="upgrade"]`)),
			chromedp.Click(chromedp.ID("#install-confirm")),
			chromedp.WaitVisible(chromedp.ID("#plugins")))
		if got := installedSHA(); got != newSHA {
			t.Fatalf("after the upgrade the installed binary is %s, want %s", got, newSHA)
		}
		pidOf := `(async () => { const p = (await (await fetch(document.querySelector('meta[name="ddc-base"]').content + "/api/v1/plugins")).json()).plugins.find(p => p.id === "echo"); return p && p.state === "running" ? p.pid : 0 })()`
		deadline := time.Now().Add(30 * time.Second)
		for {
			pid := get(t, ctx, "echo pid", chromedp.Evaluate[int](pidOf, chromedp.EvalAwaitPromise))
			if pid > 0 {
				if exe, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "exe")); err == nil {
					if b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "exe")); err == nil && sha256.Sum256(b) == newSum {
						t.Logf("echo runs the upgraded binary %s as pid %d", exe, pid)
						break
					}
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("echo does not run the upgraded binary within 30s (pid %d)", pid)
			}
			time.Sleep(500 * time.Millisecond)
		}
		screenshot(t, ctx, "upgrade-running")
	})

	// Nothing escaped the plugins directory.
	for _, p := range []string{filepath.Join(data, "escaped"), filepath.Join(filepath.Dir(data), "escaped"), filepath.Join(data, "escaped-from-archive"), filepath.Join(filepath.Dir(data), "escaped-from-archive")} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s exists: an upload wrote outside the plugins directory", p)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(data, "plugins"))
	for _, e := range entries {
		if e.Name() != "echo" && !strings.HasPrefix(e.Name(), ".ddc-") {
			t.Errorf("plugins directory holds %s besides echo", e.Name())
		}
	}
}

// writeTar writes a tar archive at path with one file named name.
func writeTar(t *testing.T, path, name, content string) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(content))}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write([]byte(content)); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}
