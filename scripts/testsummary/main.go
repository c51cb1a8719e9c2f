// Command testsummary runs `go test -json` (or reads its output) and prints
// what a person needs from a CI log: the output of every failing test as it
// happens, one result line per package, and at the end a summary that names
// every failure — test, package and the first lines of its output — including
// packages that failed to build, tests that panicked and tests still running
// when the test binary timed out or crashed. Its last line reads
// "tests: N passed, N failed, N skipped".
//
//	testsummary [-json FILE] [-lines N] -- go test -json [flags] [packages]
//	go test -json ./... | testsummary
//
// With a command it runs it, passes its standard error through and also
// counts a non-zero exit that no test explains as a failure. It exits 1 when
// anything failed, 2 on a usage error.
//
// It must never import anything of DDC: it is a tool for CI logs.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("testsummary", flag.ContinueOnError)
	fs.SetOutput(stderr)
	jsonOut := fs.String("json", "", "also write the raw go test -json stream to `FILE`")
	lines := fs.Int("lines", 15, "show at most `N` lines of each failure in the summary")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: testsummary [-json FILE] [-lines N] [-- go test -json ...]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}

	r := newReport(stdout, *lines, goroot())
	var raw io.Writer = io.Discard
	if *jsonOut != "" {
		f, err := os.Create(*jsonOut)
		if err != nil {
			fmt.Fprintf(stderr, "testsummary: %v\n", err)
			return 2
		}
		defer f.Close()
		raw = f
	}

	if fs.NArg() == 0 {
		if err := r.read(io.TeeReader(stdin, raw)); err != nil {
			r.addFailure(failure{kind: "reading the input failed", detail: []string{err.Error()}})
		}
		r.summarize()
		return r.exitCode()
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	began := time.Now()
	if err := runCommand(ctx, r, fs.Args(), raw, stderr); err != nil {
		r.addFailure(failure{kind: "the command failed", detail: []string{err.Error()}})
	}
	r.took = fmt.Sprintf("%s took %s", strings.Join(fs.Args()[:min(2, fs.NArg())], " "), time.Since(began).Round(time.Second))
	r.summarize()
	return r.exitCode()
}

// runCommand runs args, feeds its standard output to r and keeps the last
// lines of its standard error, which it also passes through. A non-zero exit
// that no failing test or package explains becomes a failure of its own.
func runCommand(ctx context.Context, r *report, args []string, raw, stderr io.Writer) error {
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	out, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("run %s: %w", args[0], err)
	}
	tail := &lineTail{max: 20}
	cmd.Stderr = io.MultiWriter(stderr, tail)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("run %s: %w", strings.Join(args, " "), err)
	}
	readErr := r.read(io.TeeReader(out, raw))
	waitErr := cmd.Wait()
	if readErr != nil {
		return readErr
	}
	var exit *exec.ExitError
	switch {
	case waitErr == nil:
		return nil
	case errors.As(waitErr, &exit):
		if r.failed() {
			return nil // the failures say why
		}
		kind := fmt.Sprintf("%s exited with status %d and no test failed; its last error output", args[0], exit.ExitCode())
		r.addFailure(failure{kind: kind, detail: tail.lines()})
		return nil
	default:
		return fmt.Errorf("run %s: %w", strings.Join(args, " "), waitErr)
	}
}

// goroot returns the Go toolchain's root (`go env GOROOT`), or "" when the
// go command cannot say.
func goroot() string {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// lineTail keeps the last max lines written to it.
type lineTail struct {
	mu      sync.Mutex
	max     int
	partial string
	kept    []string
}

func (t *lineTail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.partial + string(p)
	parts := strings.Split(s, "\n")
	t.partial = parts[len(parts)-1]
	for _, l := range parts[:len(parts)-1] {
		t.kept = append(t.kept, l)
		if len(t.kept) > t.max {
			t.kept = t.kept[1:]
		}
	}
	return len(p), nil
}

func (t *lineTail) lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := append([]string(nil), t.kept...)
	if t.partial != "" {
		out = append(out, t.partial)
	}
	return out
}

// scanLines calls fn with every line of r, however long.
func scanLines(r io.Reader, fn func(line []byte)) error {
	br := bufio.NewReaderSize(r, 64*1024)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			fn(line)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read go test output: %w", err)
		}
	}
}
