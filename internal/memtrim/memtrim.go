// Package memtrim lowers a long-running process's resident memory once it
// has started: it returns freed heap to the operating system and unmaps the
// read-only pages of its own executable, so that only the code and data the
// idle process really uses are faulted back in.
//
// Why: DDC runs the host and every bundled plugin from one binary. Start-up
// (package initialisation of every dependency, and the kernel's read-ahead
// and fault-around) maps most of the binary into every process, although an
// idle plugin touches a small part of it. The read-only mappings are clean
// private file pages: dropping them loses nothing, and a page needed later
// comes back from the page cache with a minor fault. Writable mappings are
// never touched.
//
// It must never import anything else of DDC.
package memtrim

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Trim returns freed heap to the OS and drops the resident read-only pages
// of the running executable. It returns how many bytes of mappings it
// advised. It is safe to call at any time, from any goroutine.
func Trim() (int64, error) {
	debug.FreeOSMemory()
	exe, err := os.Executable()
	if err != nil {
		return 0, fmt.Errorf("memtrim: find executable: %w", err)
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return 0, fmt.Errorf("memtrim: %w", err)
	}
	defer f.Close()
	var advised int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lo, hi, ok := readOnlyMapping(sc.Text(), exe)
		if !ok {
			continue
		}
		// The range comes from /proc/self/maps, not from a Go pointer, so
		// it goes to the system call as plain integers.
		if _, _, errno := unix.Syscall(unix.SYS_MADVISE, lo, hi-lo, unix.MADV_DONTNEED); errno != 0 {
			return advised, fmt.Errorf("memtrim: madvise %x-%x of %s: %w", lo, hi, exe, errno)
		}
		advised += int64(hi - lo)
	}
	if err := sc.Err(); err != nil {
		return advised, fmt.Errorf("memtrim: read /proc/self/maps: %w", err)
	}
	return advised, nil
}

// readOnlyMapping parses one /proc/self/maps line and reports the address
// range when it is a private, non-writable mapping of exe.
func readOnlyMapping(line, exe string) (lo, hi uintptr, ok bool) {
	fields := strings.Fields(line)
	if len(fields) < 6 || strings.Join(fields[5:], " ") != exe {
		return 0, 0, false
	}
	perms := fields[1]
	if len(perms) != 4 || perms[1] == 'w' || perms[3] != 'p' {
		return 0, 0, false
	}
	from, to, found := strings.Cut(fields[0], "-")
	if !found {
		return 0, 0, false
	}
	a, err1 := strconv.ParseUint(from, 16, 64)
	b, err2 := strconv.ParseUint(to, 16, 64)
	if err1 != nil || err2 != nil || b <= a {
		return 0, 0, false
	}
	return uintptr(a), uintptr(b), true
}

// When Run trims.
const (
	lookEvery  = 2 * time.Second // how often Run looks at what the process allocated
	burstBytes = 1 << 20         // allocated since the last trim that makes a burst of work
	quietBytes = 64 << 10        // allocated within one look that still counts as quiet
	burstPages = 256             // page faults since the last trim that make a burst of work
	quietPages = 64              // page faults within one look that still count as quiet
	period     = 5 * time.Minute // longest time between trims while anything is allocated
)

// trigger decides when a burst of work has ended, from the bytes the
// process has allocated so far (a counter that only grows).
type trigger struct {
	total      uint64    // allocated bytes at the last look
	sinceTrim  uint64    // allocated since the last trim
	faults     uint64    // page faults at the last look
	faultsTrim uint64    // page faults since the last trim
	lastTrim   time.Time // when the last trim was
}

// look records the allocated bytes and the page faults (counters that
// only grow) at now and reports whether to trim: once a burst (burstBytes
// allocated or burstPages faulted in since the last trim) is followed by
// a quiet look (under quietBytes and quietPages since the previous one),
// or when the process allocated anything and the last trim is a period
// ago. Faults count because a short piece of work (a round of Docker
// stats calls) allocates little but faults megabytes of executable pages
// back in.
func (t *trigger) look(now time.Time, total, faults uint64) bool {
	delta, fdelta := total-t.total, faults-t.faults
	t.total, t.faults = total, faults
	t.sinceTrim += delta
	t.faultsTrim += fdelta
	burst := t.sinceTrim >= burstBytes || t.faultsTrim >= burstPages
	burstEnded := burst && delta < quietBytes && fdelta < quietPages
	due := t.sinceTrim > 0 && now.Sub(t.lastTrim) >= period
	if !burstEnded && !due {
		return false
	}
	t.sinceTrim, t.faultsTrim, t.lastTrim = 0, 0, now
	return true
}

// pageFaults returns the page faults the process took so far, 0 when the
// system does not say.
func pageFaults() uint64 {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return uint64(ru.Minflt) + uint64(ru.Majflt)
}

// Run trims until ctx ends, whenever a burst of work (1 MB allocated or
// 1 MB of pages faulted in) has ended (start-up: package initialisation,
// handshakes and the first Docker sync; overviews posted and their stats
// sampled; a series of actions) and at least every 5 minutes while the
// process allocates, so that heap and pages touched by a burst do not stay
// resident while the process idles. Looking costs nothing: one read of the
// runtime's allocation counter and one getrusage every 2 s; a busy process
// is not trimmed.
// Errors are logged at debug level: trimming is an optimisation, never a
// reason to fail.
func Run(ctx context.Context, log *slog.Logger) {
	allocs := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	allocated := func() uint64 {
		metrics.Read(allocs)
		if allocs[0].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return allocs[0].Value.Uint64()
	}
	t := time.NewTicker(lookEvery)
	defer t.Stop()
	tr := trigger{lastTrim: time.Now()} // start-up is the first burst
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !tr.look(time.Now(), allocated(), pageFaults()) {
			continue
		}
		if n, err := Trim(); err != nil {
			log.Debug("trim resident memory", "error", err)
		} else {
			log.Debug("trimmed resident memory", "advised_bytes", n)
		}
	}
}
