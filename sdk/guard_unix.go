//go:build unix

package sdk

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// guardStdout keeps everything but go-plugin's handshake line off the
// plugin's stdout, which the host reads as the handshake stream:
//
//   - file descriptor 1 is pointed at stderr, so a later write to fd 1 (a C
//     library, a child process, code writing to fd 1 directly) lands in the
//     log;
//   - the returned file, for os.Stdout, is a pipe: its first line that is a
//     handshake line goes to the real stdout, every other line to stderr.
//     So a fmt.Println from another goroutine while the handshake is being
//     written cannot corrupt it either.
func guardStdout() (*os.File, error) {
	fd, err := unix.Dup(1)
	if err != nil {
		return nil, fmt.Errorf("guard stdout: dup: %w", err)
	}
	unix.CloseOnExec(fd)
	if err := unix.Dup2(2, 1); err != nil {
		_ = unix.Close(fd)
		return nil, fmt.Errorf("guard stdout: redirect to stderr: %w", err)
	}
	stdout := os.NewFile(uintptr(fd), "/dev/stdout")
	r, w, err := os.Pipe()
	if err != nil {
		_ = stdout.Close()
		return nil, fmt.Errorf("guard stdout: pipe: %w", err)
	}
	go forwardHandshake(r, stdout, os.Stderr)
	return w, nil
}

// forwardHandshake copies lines from r: the first handshake line to out,
// everything else to log.
func forwardHandshake(r io.Reader, out, log io.Writer) {
	br := bufio.NewReader(r)
	sent := false
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			if !sent && isHandshakeLine(line) {
				_, _ = io.WriteString(out, line)
				sent = true
			} else {
				_, _ = io.WriteString(log, line)
			}
		}
		if err != nil {
			return
		}
	}
}

// isHandshakeLine reports whether line looks like go-plugin's handshake:
// CORE-VERSION|APP-VERSION|NETWORK|ADDR|PROTOCOL[|...].
func isHandshakeLine(line string) bool {
	parts := strings.Split(strings.TrimSpace(line), "|")
	if len(parts) < 5 {
		return false
	}
	for _, p := range parts[:2] {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return parts[2] == "unix" || parts[2] == "tcp"
}
