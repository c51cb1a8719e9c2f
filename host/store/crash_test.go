package store

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	crashEnvDB    = "DDC_STORE_CRASH_DB"
	crashEnvStart = "DDC_STORE_CRASH_START"
	crashPrefix   = "committed "
)

// crashValue is the value the writer stores under number i: its size varies
// so pages split, overflow and get reused.
func crashValue(i int) []byte {
	n := 16 + (i*7919)%6000
	return bytes.Repeat([]byte(strconv.Itoa(i)+","), n/(len(strconv.Itoa(i))+1)+1)
}

func crashKey(i int) string { return fmt.Sprintf("n%09d", i) }

// TestHelperWriter is not a test: TestCrashSafety runs it in a child process
// that writes until it is killed.
func TestHelperWriter(t *testing.T) {
	path := os.Getenv(crashEnvDB)
	if path == "" {
		t.Skip("helper process for TestCrashSafety")
	}
	start, err := strconv.Atoi(os.Getenv(crashEnvStart))
	if err != nil {
		t.Fatalf("%s: %v", crashEnvStart, err)
	}
	ctx := context.Background()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	kv, scratch := s.KV("numbers"), s.KV("scratch")
	for i := start; ; i++ {
		if err := kv.Put(ctx, crashKey(i), crashValue(i)); err != nil {
			t.Fatal(err)
		}
		// Churn in another namespace so the freelist is exercised too.
		if err := scratch.Put(ctx, strconv.Itoa(i%50), crashValue(i+1)); err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			if err := scratch.Delete(ctx, strconv.Itoa((i+25)%50)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.AppendAudit(ctx, AuditEntry{Action: "write", Target: crashKey(i)}); err != nil {
			t.Fatal(err)
		}
		// Only now is number i fully committed; os.Stdout is unbuffered.
		fmt.Fprintf(os.Stdout, "%s%d\n", crashPrefix, i)
	}
}

// TestCrashSafety kills a writing process with SIGKILL several times and
// checks that every write it reported as committed survived intact and the
// file is consistent.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns writer processes")
	}
	path := filepath.Join(t.TempDir(), "ddc.db")
	committed := -1 // highest number reported as committed so far
	const rounds = 4
	for round := range rounds {
		killAfter := 200 + rand.IntN(300)
		start := committed + 1
		last, stderr := runWriterUntilKilled(t, path, start, killAfter)
		if last < start+killAfter-1 {
			t.Fatalf("round %d: writer reported up to %d, want at least %d; stderr:\n%s", round, last, start+killAfter-1, stderr)
		}
		committed = last
		verifyCrashDB(t, path, committed)
		t.Logf("round %d: SIGKILL after %d reported commits, %d reported in all; all %d present and consistent", round, killAfter, last-start+1, committed+1)
	}
}

// runWriterUntilKilled runs the writer from start, SIGKILLs it once it has
// reported killAfter commits, and returns the last number it reported.
func runWriterUntilKilled(t *testing.T, path string, start, killAfter int) (last int, stderr string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriter$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnvDB+"="+path, crashEnvStart+"="+strconv.Itoa(start))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errBuf bytes.Buffer
	cmd.Stderr = &errBuf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// A writer that stalls must not hang the test.
	watchdog := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
	defer watchdog.Stop()

	last = start - 1
	killed := false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		n, ok := strings.CutPrefix(line, crashPrefix)
		if !ok {
			continue
		}
		i, err := strconv.Atoi(n)
		if err != nil {
			t.Fatalf("writer printed %q", line)
		}
		if i != last+1 {
			t.Fatalf("writer reported %d after %d", i, last)
		}
		last = i
		if !killed && last-start+1 >= killAfter {
			// Process.Kill sends SIGKILL to this child's PID.
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("writer exited on its own (%v) after reporting %d; stderr:\n%s", err, last, errBuf.String())
	}
	if err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("writer exit = %v, want killed; stderr:\n%s", err, errBuf.String())
	}
	return last, errBuf.String()
}

func verifyCrashDB(t *testing.T, path string, committed int) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(path)
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer s.Close()
	if err := s.Check(ctx); err != nil {
		t.Fatalf("consistency check after kill: %v", err)
	}
	kv := s.KV("numbers")
	for i := 0; i <= committed; i++ {
		v, found, err := kv.Get(ctx, crashKey(i))
		if err != nil || !found {
			t.Fatalf("committed number %d lost after kill (found %v, err %v)", i, found, err)
		}
		if !bytes.Equal(v, crashValue(i)) {
			t.Fatalf("committed number %d has a corrupt value (%d bytes, want %d)", i, len(v), len(crashValue(i)))
		}
	}
	// At most the one write in flight at the kill may be there unreported.
	keys, err := kv.List(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) > committed+2 {
		t.Fatalf("found %d keys, want at most %d", len(keys), committed+2)
	}
	if len(keys) == committed+2 {
		v, _, _ := kv.Get(ctx, crashKey(committed+1))
		if !bytes.Equal(v, crashValue(committed+1)) {
			t.Fatalf("in-flight number %d is there with a corrupt value", committed+1)
		}
	}
}
