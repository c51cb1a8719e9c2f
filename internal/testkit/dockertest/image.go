package dockertest

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"
	"github.com/moby/moby/client/pkg/jsonmessage"
)

// ImageRepo is the repository of the test image; its tag is a hash of
// everything that goes into it.
const ImageRepo = "ddc-test/testctr"

// testctrSource is the program the test image runs.
//
//go:embed testdata/testctr/main.go
var testctrSource []byte

// dockerfile builds the test image from the testctr binary alone. Scratch
// has no shell, so the health check runs the binary itself.
const dockerfile = `FROM scratch
COPY testctr /testctr
LABEL ddc.test=1
ENTRYPOINT ["/testctr"]
HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD ["/testctr", "health"]
`

// buildTimeout bounds compiling testctr and building the image.
const buildTimeout = 5 * time.Minute

// Image returns the tag of the test image, ddc-test/testctr:<hash>,
// building it on the engine if it is not there yet. The hash covers the
// testctr source, the Dockerfile, the Go version and the engine's
// architecture, so an unchanged image is found and reused rather than
// rebuilt. Building needs the go command; nothing is pulled.
func (e *Engine) Image(tb testing.TB) string {
	tb.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.image != "" {
		return e.image
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	tag, err := e.ensureImage(ctx, tb.TempDir())
	if err != nil {
		tb.Fatalf("dockertest: %v", err)
	}
	e.image = tag
	return tag
}

// ensureImage finds or builds the test image, compiling testctr in dir.
func (e *Engine) ensureImage(ctx context.Context, dir string) (string, error) {
	ver, err := e.Client.ServerVersion(ctx, client.ServerVersionOptions{})
	if err != nil {
		return "", fmt.Errorf("read engine version of %s: %w", e.Host, err)
	}
	if ver.Os != "" && ver.Os != "linux" {
		return "", fmt.Errorf("engine %s runs %s containers, want linux", e.Host, ver.Os)
	}
	tag := ImageRepo + ":" + imageHash(ver.Arch)
	_, err = e.Client.ImageInspect(ctx, tag)
	if err == nil {
		return tag, nil
	}
	if !cerrdefs.IsNotFound(err) {
		return "", fmt.Errorf("inspect image %s: %w", tag, err)
	}

	bin, err := buildTestctr(ctx, dir, ver.Arch)
	if err != nil {
		return "", err
	}
	buildCtx, err := buildContext(bin)
	if err != nil {
		return "", fmt.Errorf("make build context for %s: %w", tag, err)
	}
	resp, err := e.Client.ImageBuild(ctx, buildCtx, client.ImageBuildOptions{
		Tags:        []string{tag},
		Dockerfile:  "Dockerfile",
		Remove:      true,
		ForceRemove: true,
		PullParent:  false,
		Version:     build.BuilderV1,
	})
	if err != nil {
		return "", fmt.Errorf("build image %s: %w", tag, err)
	}
	defer resp.Body.Close()
	if err := jsonmessage.DisplayJSONMessagesStream(resp.Body, io.Discard, 0, false, nil); err != nil {
		return "", fmt.Errorf("build image %s: %w", tag, err)
	}
	if _, err := e.Client.ImageInspect(ctx, tag); err != nil {
		return "", fmt.Errorf("inspect built image %s: %w", tag, err)
	}
	return tag, nil
}

// imageHash is the tag of the image for an engine of architecture arch.
func imageHash(arch string) string {
	h := sha256.New()
	for _, part := range [][]byte{testctrSource, []byte(dockerfile), []byte(runtime.Version()), []byte(arch)} {
		fmt.Fprintf(h, "%d:", len(part))
		h.Write(part)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// buildTestctr compiles testctr statically for linux/arch in dir and
// returns the binary.
func buildTestctr(ctx context.Context, dir, arch string) ([]byte, error) {
	if arch == "" {
		arch = runtime.GOARCH
	}
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return nil, fmt.Errorf("build testctr: %w", err)
	}
	files := map[string][]byte{
		"go.mod":  []byte("module ddc-testctr\n\ngo 1.22\n"),
		"main.go": testctrSource,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(src, name), data, 0o644); err != nil {
			return nil, fmt.Errorf("build testctr: %w", err)
		}
	}
	out := filepath.Join(dir, "testctr")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(),
		"CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch,
		"GOFLAGS=-buildvcs=false", "GOWORK=off", "GOTOOLCHAIN=local")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build testctr for linux/%s: %w: %s", arch, err, strings.TrimSpace(string(msg)))
	}
	bin, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("build testctr: %w", err)
	}
	return bin, nil
}

// buildContext returns a tar stream holding the Dockerfile and the binary.
func buildContext(bin []byte) (io.Reader, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	files := []struct {
		name string
		mode int64
		data []byte
	}{
		{"Dockerfile", 0o644, []byte(dockerfile)},
		{"testctr", 0o755, bin},
	}
	for _, f := range files {
		hdr := &tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return &buf, nil
}
