package containers

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
)

// maxLogBytes bounds how much log output one logs action reads.
const maxLogBytes = 4 << 20

// daemon makes the Docker requests of the actions on one endpoint and turns
// Docker's answers and errors into the plugin's types and user errors.
// Each method takes who, the container as messages name it, and timeout,
// the action's deadline as messages state it.
type daemon struct {
	cli      *client.Client
	endpoint string // endpoint name, for messages
}

// details are what inspect tells beyond the list.
type details struct {
	restartCount int
	created      time.Time
	tty          bool
}

// inspect reads id's current state into c and returns the rest.
func (d daemon) inspect(ctx context.Context, c *ctr, who string, timeout time.Duration) (details, error) {
	res, err := d.cli.ContainerInspect(ctx, c.ID, client.ContainerInspectOptions{})
	if err != nil {
		return details{}, dockerError(text("doing.inspect", "Name", who), d.endpoint, err, timeout)
	}
	fillFromInspect(c, res.Container)
	return detailsOf(res.Container), nil
}

func detailsOf(info container.InspectResponse) details {
	return details{
		restartCount: info.RestartCount,
		created:      parseTime(info.Created),
		tty:          info.Config != nil && info.Config.Tty,
	}
}

// start, stop and restart ask Docker to change id's state; the caller
// waits for the event that confirms it. stopSecs > 0 overrides the
// container's stop timeout.
func (d daemon) start(ctx context.Context, id, who string, timeout time.Duration) error {
	return dockerError(text("doing.start", "Name", who), d.endpoint, ignore(d.cli.ContainerStart(ctx, id, client.ContainerStartOptions{})), timeout)
}

func (d daemon) stop(ctx context.Context, id, who string, stopSecs int, timeout time.Duration) error {
	return dockerError(text("doing.stop", "Name", who), d.endpoint, ignore(d.cli.ContainerStop(ctx, id, client.ContainerStopOptions{Timeout: stopTimeout(stopSecs)})), timeout)
}

func (d daemon) restart(ctx context.Context, id, who string, stopSecs int, timeout time.Duration) error {
	return dockerError(text("doing.restart", "Name", who), d.endpoint, ignore(d.cli.ContainerRestart(ctx, id, client.ContainerRestartOptions{Timeout: stopTimeout(stopSecs)})), timeout)
}

// stopTimeout is the stop timeout to ask for: nil (the container's own)
// unless stopSecs > 0.
func stopTimeout(stopSecs int) *int {
	if stopSecs > 0 {
		return &stopSecs
	}
	return nil
}

// ignore drops the result of a Docker call whose only news is its error.
func ignore[T any](_ T, err error) error { return err }

// logs returns the last lines lines of id's standard output and error,
// each with its timestamp.
func (d daemon) logs(ctx context.Context, id, who string, lines int, timeout time.Duration) ([]string, error) {
	info, err := d.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return nil, dockerError(text("doing.logs", "Name", who), d.endpoint, err, timeout)
	}
	rc, err := d.cli.ContainerLogs(ctx, id, client.ContainerLogsOptions{
		ShowStdout: true, ShowStderr: true, Timestamps: true, Tail: strconv.Itoa(lines),
	})
	if err != nil {
		return nil, dockerError(text("doing.logs", "Name", who), d.endpoint, err, timeout)
	}
	defer rc.Close()
	var buf bytes.Buffer
	lim := io.LimitReader(rc, maxLogBytes)
	if detailsOf(info.Container).tty {
		_, err = io.Copy(&buf, lim)
	} else {
		_, err = stdcopy.StdCopy(&buf, &buf, lim)
	}
	if err != nil {
		return nil, dockerError(text("doing.read_logs", "Name", who), d.endpoint, err, timeout)
	}
	out := []string{}
	sc := bufio.NewScanner(&buf)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		out = append(out, strings.TrimRight(sc.Text(), "\r"))
	}
	if len(out) > lines {
		out = out[len(out)-lines:]
	}
	return out, nil
}

// stats reads one sample of id's CPU and memory use into out.
func (d daemon) stats(ctx context.Context, id, who string, timeout time.Duration, out *api.StatsResult) error {
	r, err := d.cli.ContainerStats(ctx, id, client.ContainerStatsOptions{})
	if err != nil {
		return dockerError(text("doing.stats", "Name", who), d.endpoint, err, timeout)
	}
	defer r.Body.Close()
	var s container.StatsResponse
	if err := json.NewDecoder(r.Body).Decode(&s); err != nil {
		return dockerError(text("doing.read_stats", "Name", who), d.endpoint, err, timeout)
	}
	out.Running = true
	cpuDelta := float64(s.CPUStats.CPUUsage.TotalUsage) - float64(s.PreCPUStats.CPUUsage.TotalUsage)
	sysDelta := float64(s.CPUStats.SystemUsage) - float64(s.PreCPUStats.SystemUsage)
	online := float64(s.CPUStats.OnlineCPUs)
	if online == 0 {
		online = float64(len(s.CPUStats.CPUUsage.PercpuUsage))
	}
	if cpuDelta > 0 && sysDelta > 0 {
		out.CPUPercent = cpuDelta / sysDelta * online * 100
	}
	cache := s.MemoryStats.Stats["inactive_file"]
	if c, ok := s.MemoryStats.Stats["total_inactive_file"]; ok {
		cache = c
	}
	if cache < s.MemoryStats.Usage {
		out.MemoryBytes = s.MemoryStats.Usage - cache
	}
	out.MemoryLimit = s.MemoryStats.Limit
	return nil
}

// inspectAll fills in start times and health of cs, a few at a time; a
// container that cannot be inspected keeps what the list said.
func (d daemon) inspectAll(ctx context.Context, cs []*ctr) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for _, c := range cs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			info, err := d.cli.ContainerInspect(ctx, c.ID, client.ContainerInspectOptions{})
			if err != nil {
				return
			}
			fillFromInspect(c, info.Container)
		}()
	}
	wg.Wait()
}

// fillFromInspect copies the state of an inspect answer into c.
func fillFromInspect(c *ctr, info container.InspectResponse) {
	if info.State == nil {
		return
	}
	c.State = api.State(info.State.Status)
	c.ExitCode = info.State.ExitCode
	c.StartedAt = parseTime(info.State.StartedAt)
	c.FinishedAt = parseTime(info.State.FinishedAt)
	if info.State.Health != nil {
		c.Health = api.Health(info.State.Health.Status)
		c.HasCheck = true
	}
	if info.Config != nil && info.Config.Healthcheck != nil && len(info.Config.Healthcheck.Test) > 0 && info.Config.Healthcheck.Test[0] != "NONE" {
		c.HasCheck = true
	}
}

// parseTime parses Docker's RFC 3339 times; Docker's zero time
// (0001-01-01) and garbage become the zero time.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() < 2000 {
		return time.Time{}
	}
	return t
}

// exitedRe reads the exit code out of a list entry's status text.
var exitedRe = regexp.MustCompile(`^Exited \((-?\d+)\)`)

// fromSummary converts a list entry.
func fromSummary(s container.Summary) *ctr {
	c := &ctr{ID: s.ID, Image: s.Image, State: api.State(s.State), Labels: s.Labels}
	if len(s.Names) > 0 {
		c.Name = strings.TrimPrefix(s.Names[0], "/")
	}
	switch {
	case strings.Contains(s.Status, "(healthy)"):
		c.Health = api.HealthHealthy
	case strings.Contains(s.Status, "(unhealthy)"):
		c.Health = api.HealthUnhealthy
	case strings.Contains(s.Status, "(health: starting)"):
		c.Health = api.HealthStarting
	}
	c.HasCheck = c.Health != api.HealthNone
	if m := exitedRe.FindStringSubmatch(s.Status); m != nil {
		c.ExitCode, _ = strconv.Atoi(m[1])
	}
	return c
}

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
	cli, err := client.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("endpoint %s: docker client for %s: %w", ep.Name, ep.Host, err)
	}
	return cli, nil
}

// dockerError turns an error from the Docker client into one for the user,
// naming what failed, with an sdk sentinel for errors.Is. timeout is the
// action's deadline, named when it passed.
func dockerError(what msg, endpoint string, err error, timeout time.Duration) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.DeadlineExceeded):
		return refuse(sdk.ErrTimeout, "error.timeout", "What", what, "Time", timeout)
	case cerrdefs.IsNotFound(err):
		return refuse(sdk.ErrNotFound, "error.no_container", "What", what)
	case permissionDenied(err):
		return refuse(sdk.ErrPermission, "error.socket_permission", "What", what, "Endpoint", endpoint)
	case unreachable(err):
		return refuse(sdk.ErrUnavailable, "error.unreachable", "What", what, "Endpoint", endpoint)
	case cerrdefs.IsConflict(err):
		return refuse(sdk.ErrBusy, "error.docker_refused", "What", what, "Reason", dockerMessage(err))
	case cerrdefs.IsPermissionDenied(err), cerrdefs.IsUnauthorized(err):
		return refuse(sdk.ErrPermission, "error.docker_refused", "What", what, "Reason", dockerMessage(err))
	}
	return refuse(nil, "error.docker", "What", what, "Reason", dockerMessage(err))
}

// dialTimeout bounds the extra dial of explainDial.
const dialTimeout = time.Second

// explainDial adds the reason to a connection failure of the Docker
// client, which says only "Cannot connect to the Docker daemon" whether
// the socket is missing, refuses or times out: it dials a unix:// or
// tcp:// host once more and appends that error ("connect: no such file or
// directory", "connection refused").
func explainDial(ctx context.Context, host string, err error) error {
	u, perr := url.Parse(host)
	if !client.IsErrConnectionFailed(err) || perr != nil {
		return err
	}
	network, addr := u.Scheme, u.Host
	switch u.Scheme {
	case "unix":
		addr = u.Path
	case "tcp":
	default:
		return err
	}
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	var d net.Dialer
	conn, derr := d.DialContext(dctx, network, addr)
	if derr != nil {
		return fmt.Errorf("%w (%v)", err, derr)
	}
	_ = conn.Close()
	return err
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
