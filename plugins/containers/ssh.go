package containers

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os/exec"
	"sync"
	"time"
)

// sshDialer returns a dialer that runs "ssh [-l user] [-p port] host docker
// system dial-stdio" and speaks HTTP over its standard input and output, as
// the docker CLI does for ssh:// hosts. Authentication is ssh's own (keys,
// agent, ~/.ssh/config).
func sshDialer(u *url.URL) func(ctx context.Context, network, addr string) (net.Conn, error) {
	args := []string{"-o", "BatchMode=yes", "-o", "ConnectTimeout=10"}
	if u.User != nil && u.User.Username() != "" {
		args = append(args, "-l", u.User.Username())
	}
	if p := u.Port(); p != "" {
		args = append(args, "-p", p)
	}
	args = append(args, "--", u.Hostname(), "docker", "system", "dial-stdio")
	return func(ctx context.Context, _, _ string) (net.Conn, error) {
		// The connection outlives ctx (the HTTP transport reuses it), so the
		// command is not bound to it; Close ends the process.
		cmd := exec.Command("ssh", args...)
		cmd.Stderr = io.Discard
		stdin, err := cmd.StdinPipe()
		if err != nil {
			return nil, fmt.Errorf("ssh to %s: %w", u.Host, err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return nil, fmt.Errorf("ssh to %s: %w", u.Host, err)
		}
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("ssh to %s: %w", u.Host, err)
		}
		return &cmdConn{cmd: cmd, r: stdout, w: stdin, host: u.Host}, nil
	}
}

// cmdConn is a net.Conn over a command's standard input and output.
type cmdConn struct {
	cmd  *exec.Cmd
	r    io.ReadCloser
	w    io.WriteCloser
	host string
	once sync.Once
}

func (c *cmdConn) Read(p []byte) (int, error)  { return c.r.Read(p) }
func (c *cmdConn) Write(p []byte) (int, error) { return c.w.Write(p) }

// Close ends the command.
func (c *cmdConn) Close() error {
	c.once.Do(func() {
		_ = c.w.Close()
		_ = c.r.Close()
		if c.cmd.Process != nil {
			_ = c.cmd.Process.Kill()
		}
		_ = c.cmd.Wait()
	})
	return nil
}

// LocalAddr names the local end.
func (c *cmdConn) LocalAddr() net.Addr { return sshAddr("local") }

// RemoteAddr names the ssh host.
func (c *cmdConn) RemoteAddr() net.Addr { return sshAddr(c.host) }

// SetDeadline is not supported by pipes; it does nothing.
func (c *cmdConn) SetDeadline(time.Time) error { return nil }

// SetReadDeadline is not supported by pipes; it does nothing.
func (c *cmdConn) SetReadDeadline(time.Time) error { return nil }

// SetWriteDeadline is not supported by pipes; it does nothing.
func (c *cmdConn) SetWriteDeadline(time.Time) error { return nil }

// sshAddr is the address of an ssh connection.
type sshAddr string

// Network returns "ssh".
func (a sshAddr) Network() string { return "ssh" }

// String returns the host.
func (a sshAddr) String() string { return string(a) }
