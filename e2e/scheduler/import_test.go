package scheduler

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ddc-go/ddc/config"
	"github.com/ddc-go/ddc/internal/testkit/wait"
	"github.com/ddc-go/ddc/plugins/scheduler/api"
)

// fixtureDir is a DockerDiscordControl v2 config directory written from its
// documented formats (see internal/ddcimport).
const fixtureDir = "../../internal/ddcimport/testdata/v2"

// dirSum hashes every path, mode, time and content under dir.
func dirSum(t *testing.T, dir string) [32]byte {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		h.Write([]byte(p + fi.Mode().String() + fi.ModTime().String()))
		if d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			h.Write(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

// TestImportDDC runs `ddc import-ddc` on a DockerDiscordControl directory:
// it prints what it did without a secret, leaves the directory as it was,
// writes a config that loads, and the real scheduler plugin schedules the
// imported tasks.
func TestImportDDC(t *testing.T) {
	before := dirSum(t, fixtureDir)
	data := t.TempDir()
	cmd := exec.Command(ddcBin, "import-ddc", fixtureDir, "--data-dir", data)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("import-ddc: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String() + stderr.String()
	t.Logf("import-ddc said:\n%s", out)
	for _, secret := range []string{"fixture-token-not-real", "gAAAAAB", "fixture-uuid", "fixture-password", "fixtureSALT"} {
		if strings.Contains(out, secret) {
			t.Errorf("the output shows a secret (%s)", secret)
		}
	}
	for _, want := range []string{"discord.token: the bot token", "scheduler tasks: 6 added", "not mapped", "once-past"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q", want)
		}
	}
	if dirSum(t, fixtureDir) != before {
		t.Fatal("import-ddc changed the DockerDiscordControl directory")
	}
	c, err := config.Load(data, nil, nil)
	if err == nil {
		err = c.Validate()
	}
	if err != nil || c.Discord.Token == "" {
		t.Fatalf("imported config: %v (token set: %t)", err, c != nil && c.Discord.Token != "")
	}

	mgr, _ := manager(t, data, testWriter{t})
	var list api.ListResult
	wait.ForState(t, 60*time.Second, "the scheduler to list the imported tasks", func() (bool, string) {
		raw, err := mgr.Invoke(context.Background(), "host", api.ActionList, json.RawMessage(`{}`), nil)
		if err != nil {
			return false, err.Error()
		}
		if err := json.Unmarshal(raw, &list); err != nil {
			return false, err.Error()
		}
		return len(list.Tasks) == 6, string(raw)
	})
	for _, task := range list.Tasks {
		if task.Error != "" {
			t.Errorf("task %s not scheduled: %s", task.ID, task.Error)
		}
		if task.Next.IsZero() != task.Paused {
			t.Errorf("task %s: paused %t, next %v", task.ID, task.Paused, task.Next)
		}
	}
}
