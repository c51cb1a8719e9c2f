// Package procmem reads the memory of a process tree from /proc the way
// DDC's budgets are stated: PSS, RSS and anonymous memory from
// /proc/PID/smaps_rollup, summed over the host and every plugin process.
//
// It must never import anything outside the standard library.
package procmem

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Usage is one process's memory, in kB, or a sum of several.
type Usage struct {
	PID  int    // PID is 0 in a sum.
	Cmd  string // Cmd is the command line without the executable's directory.
	PSS  int64  // PSS: shared pages divided among the processes sharing them.
	RSS  int64  // RSS: every resident page, shared ones counted in full.
	Anon int64  // Anon: private anonymous memory (Go heap, stacks, runtime).
}

// MB converts kB to MB.
func MB(kb int64) float64 { return float64(kb) / 1024 }

// Read returns pid's memory.
func Read(pid int) (Usage, error) {
	u := Usage{PID: pid}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return u, fmt.Errorf("memory of process %d: %w", pid, err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "Rss:":
			u.RSS = v
		case "Pss:":
			u.PSS = v
		case "Anonymous:":
			u.Anon = v
		}
	}
	cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	args := strings.Split(strings.TrimRight(string(cmd), "\x00"), "\x00")
	args[0] = args[0][strings.LastIndexByte(args[0], '/')+1:]
	u.Cmd = strings.Join(args, " ")
	return u, nil
}

// ReadTree returns the memory of pid and of all its descendants, pid first,
// and their sum.
func ReadTree(pid int) (each []Usage, total Usage, err error) {
	pids, err := Tree(pid)
	if err != nil {
		return nil, Usage{}, err
	}
	for _, p := range pids {
		u, err := Read(p)
		if err != nil {
			return nil, Usage{}, err
		}
		each = append(each, u)
		total.PSS += u.PSS
		total.RSS += u.RSS
		total.Anon += u.Anon
	}
	return each, total, nil
}

// Tree returns pid and all its descendants.
func Tree(pid int) ([]int, error) {
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		kids, err := Children(out[i])
		if err != nil {
			return nil, err
		}
		out = append(out, kids...)
	}
	return out, nil
}

// Children returns the processes whose parent is pid. It reads the
// kernel's list of each of pid's threads' children
// (/proc/PID/task/TID/children), a few small files; without that list
// (a kernel built without CONFIG_PROC_CHILDREN) it scans every process.
func Children(pid int) ([]int, error) {
	if kids, ok := threadChildren(pid); ok {
		return kids, nil
	}
	return scanChildren(pid)
}

// threadChildren reads /proc/PID/task/*/children; ok is false when the
// kernel does not provide the lists or pid is gone.
func threadChildren(pid int) (kids []int, ok bool) {
	dir := "/proc/" + strconv.Itoa(pid) + "/task/"
	f, err := os.Open(dir)
	if err != nil {
		return nil, false
	}
	tids, err := f.Readdirnames(-1)
	f.Close()
	if err != nil || len(tids) == 0 {
		return nil, false
	}
	for _, tid := range tids {
		raw, err := os.ReadFile(dir + tid + "/children")
		if err != nil {
			if os.IsNotExist(err) && tid == tids[0] {
				if _, statErr := os.Stat(dir + tid); statErr == nil {
					return nil, false // the thread is there, its list is not: no CONFIG_PROC_CHILDREN
				}
			}
			continue // the thread ended meanwhile
		}
		for _, f := range strings.Fields(string(raw)) {
			if child, err := strconv.Atoi(f); err == nil {
				kids = append(kids, child)
			}
		}
	}
	return kids, true
}

// scanChildren finds pid's children by reading every process's parent.
func scanChildren(pid int) ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	var out []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, _, ok := Stat(child); ok && ppid == pid {
			out = append(out, child)
		}
	}
	return out, nil
}

// Stat returns a process's parent PID and state letter ("R", "S", "Z"...)
// from /proc/PID/stat; ok is false when the process does not exist.
func Stat(pid int) (ppid int, state string, ok bool) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, "", false
	}
	// The command name is in parentheses and may contain anything.
	rest := string(raw)
	if i := strings.LastIndexByte(rest, ')'); i >= 0 {
		rest = rest[i+1:]
	}
	f := strings.Fields(rest)
	if len(f) < 2 {
		return 0, "", false
	}
	ppid, err = strconv.Atoi(f[1])
	return ppid, f[0], err == nil
}

// Alive reports whether pid is a live process (not a zombie).
func Alive(pid int) bool {
	_, state, ok := Stat(pid)
	return ok && state != "Z" && state != "X"
}
