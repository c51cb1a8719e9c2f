package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// grow allocates 4 MiB every 20 ms and keeps all of it, touching every
// page so it is resident: a plugin that grows without bound.
func grow() {
	var keep [][]byte
	for {
		b := make([]byte, 4<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		keep = append(keep, b)
		time.Sleep(20 * time.Millisecond)
	}
}

// probeTargets is what the probe command attacks (JSON in its "targets"
// option).
type probeTargets struct {
	HostPID      int    `json:"host_pid"`
	Config       string `json:"config"`
	Store        string `json:"store"`
	DockerSocket string `json:"docker_socket"`
	PluginYAML   string `json:"plugin_yaml"`
}

// probeResult says, for each attack, "ok" or the error it met, and what the
// plugin's own process looks like.
type probeResult struct {
	HostEnviron string            `json:"host_environ"`
	Config      string            `json:"config"`
	Store       string            `json:"store"`
	Docker      string            `json:"docker"`
	PluginYAML  string            `json:"plugin_yaml"`
	WorkDir     string            `json:"work_dir"`
	Cwd         string            `json:"cwd"`
	Status      map[string]string `json:"status"`
}

func outcome(err error) string {
	if err != nil {
		return err.Error()
	}
	return "ok"
}

// probe tries to read the host's environment, config and store, to talk to
// the Docker Engine and to change its own plugin.yaml; it reports its
// identity from /proc/self/status.
func probe(ctx context.Context, targets string) probeResult {
	var t probeTargets
	_ = json.Unmarshal([]byte(targets), &t)
	var r probeResult
	_, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", t.HostPID))
	r.HostEnviron = outcome(err)
	_, err = os.ReadFile(t.Config)
	r.Config = outcome(err)
	f, err := os.OpenFile(t.Store, os.O_RDWR, 0)
	if err == nil {
		f.Close()
	}
	r.Store = outcome(err)
	r.Docker = outcome(dockerPing(ctx, t.DockerSocket))
	f, err = os.OpenFile(t.PluginYAML, os.O_WRONLY|os.O_APPEND, 0)
	if err == nil {
		f.Close()
	}
	r.PluginYAML = outcome(err)
	r.WorkDir = outcome(os.WriteFile("probe.txt", []byte("mine"), 0o600))
	r.Cwd, _ = os.Getwd()
	r.Status = map[string]string{}
	raw, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(raw), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok {
			r.Status[k] = strings.TrimSpace(v)
		}
	}
	return r
}

// dockerPing asks the Docker Engine at socket for /_ping.
func dockerPing(ctx context.Context, socket string) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", socket)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := fmt.Fprint(c, "GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n"); err != nil {
		return err
	}
	buf := make([]byte, 64)
	n, err := c.Read(buf)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(string(buf[:n]), "HTTP/1.0 200") && !strings.HasPrefix(string(buf[:n]), "HTTP/1.1 200") {
		return fmt.Errorf("docker answered %q", buf[:n])
	}
	return nil
}

// escape leaves a process that grows without bound outside the plugin's
// process tree and group: a child in a new session starts the grower in
// another new session and exits, so the grower is reparented to init.
func escape() error {
	return daemon("escape-child")
}

// daemon starts this executable in mode in a new session, without waiting.
func daemon(mode string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(self, "--mode="+mode)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", mode, err)
	}
	go func() { _ = cmd.Wait() }()
	return nil
}
