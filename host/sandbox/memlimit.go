package sandbox

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ddc-go/ddc/internal/procmem"
)

// MiB is a mebibyte, in bytes.
const MiB = 1 << 20

// GoMemLimitEnv is the environment entry that gives a Go plugin a soft
// memory limit of 90% of limit bytes: its garbage collector works harder
// before the hard limit stops the process. Empty for limit <= 0.
func GoMemLimitEnv(limit int64) string {
	if limit <= 0 {
		return ""
	}
	return "GOMEMLIMIT=" + strconv.FormatInt(limit/10*9, 10) + "B"
}

// Sample is one reading of a process tree's memory, in bytes.
type Sample struct {
	RSS int64 // RSS: resident memory of the process and its descendants.
	PSS int64 // PSS: shared pages divided among sharers; 0 when it cannot be read.
}

// Watchdog enforces a hard memory limit on a process tree by polling its
// resident memory. Its zero value is not usable; fill every field.
type Watchdog struct {
	PID int // PID is the tree's root (the plugin process).
	// User, when set, is the plugin's own user: every process of that
	// user counts too, including ones that left the tree.
	User  *uint32
	Limit int64         // Limit in bytes; the tree may not be resident above it.
	Every time.Duration // Every is the polling interval.
	// Sampled is called with each reading (for status pages); may be nil.
	Sampled func(Sample)
	// Over is called once, with the reading, when the tree is over its
	// limit; the watchdog then ends. It should kill the tree.
	Over func(Sample)
}

// Polls between the watchdog's slower readings.
const (
	// treeEvery: the process's descendants (and its user's processes)
	// are looked up every 5th poll; in between the known ones are read.
	treeEvery = 5
	// pssEvery: PSS (smaps_rollup, a walk over every mapping) is read
	// every 10th poll; RSS (statm, three numbers) every poll.
	pssEvery = 10
)

// Run polls until ctx ends, the process is gone or it went over its limit.
// Each poll reads the RSS of the known processes; every treeEvery-th poll
// looks for new descendants first, and every pssEvery-th reads their PSS
// too (in between a reading carries the last PSS). A poll allocates next
// to nothing: the host runs one watchdog per plugin for as long as it runs.
func (w Watchdog) Run(ctx context.Context) {
	t := time.NewTicker(w.Every)
	defer t.Stop()
	var (
		sm   procmem.Sampler
		pids []int
		pss  int64
	)
	for n := 0; ; n++ {
		if n%treeEvery == 0 {
			tree, err := procmem.Tree(w.PID)
			if err != nil {
				return
			}
			pids = tree
			if w.User != nil {
				pids = appendMissing(pids, *w.User)
			}
		}
		s, ok := readTree(&sm, pids, n%pssEvery == 0)
		if !ok {
			return
		}
		if n%pssEvery == 0 {
			pss = s.PSS
		}
		s.PSS = pss
		if w.Sampled != nil {
			w.Sampled(s)
		}
		if w.Limit > 0 && s.RSS > w.Limit {
			w.Over(s)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// appendMissing adds the processes of uid that are not in pids yet.
func appendMissing(pids []int, uid uint32) []int {
	mine, err := UserProcesses(uid)
	if err != nil {
		return pids
	}
	have := make(map[int]bool, len(pids))
	for _, p := range pids {
		have[p] = true
	}
	for _, p := range mine {
		if !have[p] {
			pids = append(pids, p)
		}
	}
	return pids
}

// ReadTree sums the memory of pids (the first is the root); ok is false
// when the root is gone. RSS comes from /proc/PID/statm, which every user
// may read, so the limit holds without ptrace rights; PSS from
// smaps_rollup, which needs them (0 without).
func ReadTree(pids []int) (Sample, bool) {
	return readTree(&procmem.Sampler{}, pids, true)
}

// readTree is ReadTree with sm's buffer, reading PSS only when withPSS.
func readTree(sm *procmem.Sampler, pids []int, withPSS bool) (Sample, bool) {
	var s Sample
	for n, pid := range pids {
		rss, err := sm.RSS(pid)
		if err != nil {
			if n == 0 {
				return s, false
			}
			continue // ended since the tree was read
		}
		s.RSS += rss << 10
		if withPSS {
			if u, err := sm.Rollup(pid); err == nil {
				s.PSS += u.PSS << 10
			}
		}
	}
	return s, true
}

// UserProcesses returns the live processes whose real user is uid. A
// plugin with a user of its own cannot hide a process from it: whatever
// it forks, daemonized or not, keeps that user.
func UserProcesses(uid uint32) ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if u, ok := realUID(pid); ok && u == uid {
			out = append(out, pid)
		}
	}
	return out, nil
}

// realUID reads the real uid from /proc/PID/status.
func realUID(pid int) (uint32, bool) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "Uid:"); ok {
			f := strings.Fields(v)
			if len(f) == 0 {
				return 0, false
			}
			u, err := strconv.ParseUint(f[0], 10, 32)
			return uint32(u), err == nil
		}
	}
	return 0, false
}

// KillUser SIGKILLs every process of uid, a plugin's own user, looking
// again until none is left (a process may fork while it is being killed)
// or after ten rounds. It never acts on uid 0.
func KillUser(uid uint32) {
	if uid == 0 {
		return
	}
	for range 10 {
		pids, err := UserProcesses(uid)
		if err != nil || len(pids) == 0 {
			return
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
