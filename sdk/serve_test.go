//go:build unix

package sdk_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/grpcplugin"
)

// guardChildEnv makes the test binary act as a plugin process for
// TestServeGuardsStdout.
const guardChildEnv = "DDC_SDK_TEST_GUARD_CHILD"

const (
	strayLine  = "stray write to fd 1"
	strayDone  = "stray writes done"
	strayPrint = "stray print to os.Stdout"
)

type quiet struct{}

func (quiet) Info() sdk.Info {
	return sdk.Info{ID: "quiet", Name: "Quiet", Version: "1.0.0", Description: "Says nothing."}
}

// serveGuardChild runs in the re-executed test binary: it serves a plugin
// while a goroutine writes to file descriptor 1 behind the SDK's back, as a
// C library or careless code would.
func serveGuardChild() {
	go func() {
		// Wait until Serve has pointed fd 1 at stderr, then write to it
		// directly, racing go-plugin's handshake.
		for !sameFile(1, 2) {
			time.Sleep(time.Millisecond)
		}
		for i := range 200 {
			_, _ = syscall.Write(1, []byte(strayLine+"\n"))
			if i%2 == 0 {
				// And through os.Stdout, as fmt.Println does.
				// After go-plugin's own stdout swap these go to its stdio
				// stream instead; either way never to the handshake.
				fmt.Fprintln(os.Stdout, strayPrint)
			}
		}
		_, _ = syscall.Write(1, []byte(strayDone+"\n"))
	}()
	err := sdk.Serve(quiet{})
	_, _ = os.Stderr.WriteString("serve returned: " + errString(err) + "\n")
	os.Exit(0)
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func sameFile(a, b int) bool {
	var sa, sb syscall.Stat_t
	if syscall.Fstat(a, &sa) != nil || syscall.Fstat(b, &sb) != nil {
		return false
	}
	return sa.Dev == sb.Dev && sa.Ino == sb.Ino
}

// lockedBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var handshakeLine = regexp.MustCompile(`^1\|1\|unix\|[^|]+\|grpc\|`)

// TestServeGuardsStdout runs Serve in a child process whose code writes to
// file descriptor 1 while the handshake is going on, and checks that stdout
// carries only go-plugin's handshake line and the stray writes end up on
// stderr.
func TestServeGuardsStdout(t *testing.T) {
	if os.Getenv(guardChildEnv) == "1" {
		serveGuardChild()
		return
	}
	hs := grpcplugin.Handshake()
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeGuardsStdout$", "-test.count=1")
	cmd.Env = append(os.Environ(),
		guardChildEnv+"=1",
		hs.MagicCookieKey+"="+hs.MagicCookieValue,
		"PLUGIN_PROTOCOL_VERSIONS=1",
		"PLUGIN_UNIX_SOCKET_DIR="+t.TempDir(),
	)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	exited := make(chan struct{})
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})

	out := &lockedBuffer{}
	outClosed := make(chan struct{})
	go func() {
		_, _ = io.Copy(out, stdout)
		close(outClosed)
	}()
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()

	// Wait for the end of the stray writes and for the whole handshake
	// line, which may come before or after them.
	deadline := time.After(60 * time.Second)
	for !strings.Contains(stderr.String(), strayDone) || !strings.Contains(out.String(), "\n") {
		select {
		case <-deadline:
			t.Fatalf("child did not finish its stray writes and the handshake; stdout %q; stderr:\n%s", out.String(), stderr.String())
		case <-exited:
			t.Fatalf("child exited early; stderr:\n%s", stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	_ = cmd.Process.Kill()
	select {
	case <-outClosed:
	case <-time.After(10 * time.Second):
		t.Fatal("child's stdout was not closed after it was killed")
	}

	sc := bufio.NewScanner(strings.NewReader(out.String()))
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) != 1 || !handshakeLine.MatchString(lines[0]) {
		t.Errorf("child stdout = %q, want only the go-plugin handshake line", out.String())
	}
	if n := strings.Count(stderr.String(), strayLine); n != 200 {
		t.Errorf("stderr has %d stray lines, want 200; stderr:\n%s", n, stderr.String())
	}
}

// TestServeRefusesManualRun checks that Serve, run by hand, returns
// ErrNotLaunchedByHost instead of serving.
func TestServeRefusesManualRun(t *testing.T) {
	t.Setenv(grpcplugin.Handshake().MagicCookieKey, "")
	if err := sdk.Serve(quiet{}); !errors.Is(err, sdk.ErrNotLaunchedByHost) {
		t.Errorf("Serve() without the host's cookie = %v, want ErrNotLaunchedByHost", err)
	}
}
