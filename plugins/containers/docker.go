package containers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/client"

	"github.com/ddc-go/ddc/sdk"
)

// newClient returns a Docker client for ep with API version negotiation.
// It does not connect; the first request does.
func newClient(ep EndpointSettings) (*client.Client, error) {
	opts := []client.Opt{client.WithAPIVersionNegotiation()}
	u, err := url.Parse(ep.Host)
	if err != nil {
		return nil, fmt.Errorf("endpoint %s: parse host %q: %w", ep.Name, ep.Host, err)
	}
	switch u.Scheme {
	case "ssh":
		opts = append(opts, client.WithHost("http://docker.invalid"), client.WithDialContext(sshDialer(u)))
	default:
		opts = append(opts, client.WithHost(ep.Host))
	}
	if ep.TLS != nil {
		opts = append(opts, client.WithTLSClientConfig(ep.TLS.CA, ep.TLS.Cert, ep.TLS.Key))
	}
	cli, err := client.NewClientWithOpts(opts...)
	if err != nil {
		return nil, fmt.Errorf("endpoint %s: docker client for %s: %w", ep.Name, ep.Host, err)
	}
	return cli, nil
}

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

// dockerError turns an error from the Docker client into one for the user,
// naming what failed, with an sdk sentinel for errors.Is. ctxErr is the
// action's context error, if any, and timeout its length.
func dockerError(what, endpoint string, err error, timeout time.Duration) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.DeadlineExceeded):
		return sdk.Errorf("%s: timed out after %s: %w", what, seconds(timeout), sdk.ErrTimeout)
	case cerrdefs.IsNotFound(err):
		return sdk.Errorf("%s: no such container: %w", what, sdk.ErrNotFound)
	case permissionDenied(err):
		return sdk.Errorf("%s: Docker socket permission denied on endpoint %s (give DDC access to the socket): %w", what, endpoint, sdk.ErrPermission)
	case unreachable(err):
		return sdk.Errorf("%s: endpoint %s is unreachable: %w", what, endpoint, sdk.ErrUnavailable)
	case cerrdefs.IsConflict(err):
		return sdk.Errorf("%s: Docker refused: %s: %w", what, dockerMessage(err), sdk.ErrBusy)
	case cerrdefs.IsPermissionDenied(err), cerrdefs.IsUnauthorized(err):
		return sdk.Errorf("%s: Docker refused: %s: %w", what, dockerMessage(err), sdk.ErrPermission)
	}
	return sdk.Errorf("%s: Docker error: %s", what, dockerMessage(err))
}

// dockerMessage is the daemon's message without the client's prefixes.
func dockerMessage(err error) string {
	msg := err.Error()
	if _, after, ok := strings.Cut(msg, "Error response from daemon: "); ok {
		msg = after
	}
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return msg
}

// permissionDenied reports whether err comes from a socket we may not open.
func permissionDenied(err error) bool {
	return errors.Is(err, syscall.EACCES) || errors.Is(err, os.ErrPermission) ||
		strings.Contains(err.Error(), "permission denied while trying to connect") ||
		(client.IsErrConnectionFailed(err) && strings.Contains(err.Error(), "permission denied"))
}

// unreachable reports whether err means the daemon did not answer.
func unreachable(err error) bool {
	if client.IsErrConnectionFailed(err) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOENT) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		strings.Contains(err.Error(), "Cannot connect to the Docker daemon")
}

// seconds formats d for people: "30 s", "0.2 s".
func seconds(d time.Duration) string {
	s := d.Seconds()
	if s >= 10 || s == float64(int64(s)) {
		return fmt.Sprintf("%d s", int64(s+0.5))
	}
	return fmt.Sprintf("%.1f s", s)
}
