package dockertest

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// Sweep force-removes containers labelled ddc.test=1 that were created on
// this machine by test processes that no longer run, and returns how many
// it removed. Containers without that label, containers of live processes
// and containers made on other machines are left alone.
func Sweep(ctx context.Context, cli *client.Client) (int, error) {
	hostname, _ := os.Hostname()
	return sweep(ctx, cli, hostname)
}

func sweep(ctx context.Context, cli *client.Client, hostname string) (int, error) {
	list, err := cli.ContainerList(ctx, client.ContainerListOptions{
		All:     true,
		Filters: client.Filters{}.Add("label", LabelTest+"=1"),
	})
	if err != nil {
		return 0, fmt.Errorf("list test containers: %w", err)
	}
	removed := 0
	for _, c := range list.Items {
		if c.Labels[LabelTest] != "1" || c.Labels[LabelHost] != hostname || processAlive(c.Labels[LabelRun]) {
			continue
		}
		_, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
		if err != nil && !cerrdefs.IsNotFound(err) && !cerrdefs.IsConflict(err) {
			return removed, fmt.Errorf("remove leftover container %s: %w", c.ID, err)
		}
		if err == nil {
			removed++
		}
	}
	return removed, nil
}

// runID names this test process: its PID and its start time in clock
// ticks since boot, so a later process reusing the PID is told apart.
// Without /proc the start time is unknown and Sweep treats the run as live.
func runID() string {
	pid := os.Getpid()
	return fmt.Sprintf("%d.%s", pid, startTime(pid))
}

// processAlive reports whether the process a LabelRun value names still
// runs. Values it cannot judge count as alive, so they are never swept.
func processAlive(run string) bool {
	pidText, start, ok := strings.Cut(run, ".")
	pid, err := strconv.Atoi(pidText)
	if !ok || err != nil || pid <= 0 || start == "" || start == "?" {
		return true
	}
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		return true // no procfs: cannot tell
	}
	return startTime(pid) == start
}

// startTime returns field 22 of /proc/PID/stat, the process start time in
// clock ticks since boot, "" when the process does not exist, or "?" when
// procfs is unavailable.
func startTime(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		if _, serr := os.Stat("/proc/self/stat"); serr != nil {
			return "?"
		}
		return ""
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return ""
	}
	fields := strings.Fields(string(b[i+1:]))
	// fields[0] is field 3 (state), so field 22 is fields[19].
	if len(fields) < 20 {
		return ""
	}
	return fields[19]
}
