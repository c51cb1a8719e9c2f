//go:build unix

package sdk

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// guardStdout points file descriptor 1 at stderr, so that any later write
// to fd 1 (a stray print, a C library, a child process) lands in the log
// instead of the handshake stream, and returns a file for the real stdout
// for go-plugin's handshake line.
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
	return os.NewFile(uintptr(fd), "/dev/stdout"), nil
}
