package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-plugin/runner"
)

// Why the plugin connections need no TLS
//
// go-plugin's AutoMTLS makes a P-521 certificate on both sides of every
// plugin start and a TLS handshake on every connection: about a third of a
// plugin's start on a busy 2-CPU machine. What it guards is who may talk
// on the plugin's sockets (the plugin's gRPC server, and the Host API the
// host serves to it through the broker). The host guards that instead by
// where the sockets are: go-plugin makes them in a directory it creates
// for this one start (ClientConfig.RunnerFunc), mode 0700 and owned by the
// host's user, or 0770 with the group of a plugin that runs as its own
// user (Confinement.Users), and removes it when the plugin is killed. So
// only the host's user (and root) can reach a plugin's sockets, and a
// plugin running as its own user reaches only its own.
//
// Processes of the host's user are the host, the bundled plugins (the
// host's own executable) and, when the host cannot switch users,
// third-party plugins. Those still get AutoMTLS (see useTLS): the host
// does not trust them, and they run as the same user as the others.

// useTLS reports whether a plugin's connections need go-plugin's AutoMTLS:
// only third-party plugins that run as the host's user.
func useTLS(d Descriptor, conf spawnConfig) bool { return !d.Bundled && conf.ident == nil }

// cmdRunner runs a plugin process for go-plugin: it is go-plugin's own
// command runner, plus the executable's checksum checked right before the
// start (go-plugin checks SecureConfig only for ClientConfig.Cmd).
type cmdRunner struct {
	log    hclog.Logger
	cmd    *exec.Cmd
	secure *goplugin.SecureConfig
	stdout io.ReadCloser
	stderr io.ReadCloser
	pid    int
	dir    string // the socket directory go-plugin made for this start
}

var _ runner.Runner = (*cmdRunner)(nil)

// runnerFunc returns a ClientConfig.RunnerFunc that runs cmd: go-plugin's
// environment for the plugin (handshake cookie, socket directory and
// group) is added to cmd's.
func runnerFunc(cmd *exec.Cmd, secure *goplugin.SecureConfig) func(hclog.Logger, *exec.Cmd, string) (runner.Runner, error) {
	return func(log hclog.Logger, spec *exec.Cmd, dir string) (runner.Runner, error) {
		cmd.Env = append(cmd.Env, spec.Env...)
		cmd.Stdin = spec.Stdin
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return nil, fmt.Errorf("plugin stdout: %w", err)
		}
		stderr, err := cmd.StderrPipe()
		if err != nil {
			return nil, fmt.Errorf("plugin stderr: %w", err)
		}
		return &cmdRunner{log: log, cmd: cmd, secure: secure, stdout: stdout, stderr: stderr, dir: dir}, nil
	}
}

// Start checks the executable's checksum, if any, and starts the process.
// When nothing started, it removes the socket directory (go-plugin removes
// it when it kills a started process).
func (r *cmdRunner) Start(context.Context) (err error) {
	defer func() {
		if err != nil && r.dir != "" {
			_ = os.RemoveAll(r.dir)
		}
	}()
	if r.secure != nil {
		ok, err := r.secure.Check(r.cmd.Path)
		if err != nil {
			return fmt.Errorf("verify checksum of %s: %w", r.cmd.Path, err)
		}
		if !ok {
			return goplugin.ErrChecksumsDoNotMatch
		}
	}
	r.log.Debug("starting plugin", "path", r.cmd.Path, "args", r.cmd.Args)
	if err := r.cmd.Start(); err != nil {
		return err
	}
	r.pid = r.cmd.Process.Pid
	r.log.Debug("plugin started", "path", r.cmd.Path, "pid", r.pid)
	return nil
}

// Wait waits for the process to exit.
func (r *cmdRunner) Wait(context.Context) error { return r.cmd.Wait() }

// Kill kills the process; it may be called more than once.
func (r *cmdRunner) Kill(context.Context) error {
	if r.cmd.Process == nil {
		return nil
	}
	if err := r.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	return nil
}

// Stdout is the process's stdout, where go-plugin reads the handshake.
func (r *cmdRunner) Stdout() io.ReadCloser { return r.stdout }

// Stderr is the process's stderr, which go-plugin logs.
func (r *cmdRunner) Stderr() io.ReadCloser { return r.stderr }

// Name is the executable's path.
func (r *cmdRunner) Name() string { return r.cmd.Path }

// ID is the process id, empty before the start.
func (r *cmdRunner) ID() string {
	if r.pid == 0 {
		return ""
	}
	return strconv.Itoa(r.pid)
}

// Diagnose says what usually makes a plugin fail its handshake; go-plugin
// adds it to the error after "Unrecognized remote plugin message".
func (r *cmdRunner) Diagnose(context.Context) string {
	return "The plugin must be built for this system and write nothing to stdout before the go-plugin handshake."
}

// PluginToHost keeps the plugin's address: both share the file system.
func (r *cmdRunner) PluginToHost(network, addr string) (string, string, error) {
	return network, addr, nil
}

// HostToPlugin keeps the host's address: both share the file system.
func (r *cmdRunner) HostToPlugin(network, addr string) (string, string, error) {
	return network, addr, nil
}
