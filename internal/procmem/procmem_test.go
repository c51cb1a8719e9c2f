package procmem

import (
	"os"
	"os/exec"
	"runtime"
	"slices"
	"testing"
)

func TestReadTree(t *testing.T) {
	child := exec.Command("sleep", "30")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })

	each, total, err := ReadTree(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if len(each) < 2 || each[0].PID != os.Getpid() {
		t.Fatalf("ReadTree = %+v, want this process first and its sleep child", each)
	}
	found := false
	for _, u := range each {
		found = found || (u.PID == child.Process.Pid && u.Cmd == "sleep 30")
		if u.PSS <= 0 || u.RSS < u.PSS || u.Anon <= 0 {
			t.Errorf("implausible usage %+v", u)
		}
	}
	if !found {
		t.Errorf("ReadTree = %+v, lacks the sleep child %d", each, child.Process.Pid)
	}
	var pss int64
	for _, u := range each {
		pss += u.PSS
	}
	if total.PSS != pss || total.PID != 0 {
		t.Errorf("total = %+v, want PSS %d", total, pss)
	}
	if !Alive(child.Process.Pid) {
		t.Error("Alive(sleep child) = false")
	}
	if _, err := Read(1 << 30); err == nil {
		t.Error("Read(no such pid) succeeded")
	}
	if Alive(1 << 30) {
		t.Error("Alive(no such pid) = true")
	}
}

// TestChildren: the kernel's per-thread lists and the scan of every
// process find the same children.
func TestChildren(t *testing.T) {
	var kids []*exec.Cmd
	for range 3 {
		c := exec.Command("sleep", "30")
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Process.Kill(); _ = c.Wait() })
		kids = append(kids, c)
	}
	fromLists, ok := threadChildren(os.Getpid())
	if !ok {
		t.Fatal("threadChildren: no /proc/PID/task/TID/children on this kernel")
	}
	fromScan, err := scanChildren(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(fromLists)
	slices.Sort(fromScan)
	if !slices.Equal(fromLists, fromScan) {
		t.Errorf("threadChildren = %v, scanChildren = %v, want the same", fromLists, fromScan)
	}
	for _, c := range kids {
		if !slices.Contains(fromLists, c.Process.Pid) {
			t.Errorf("children %v lack sleep %d", fromLists, c.Process.Pid)
		}
	}
	if got, ok := threadChildren(1 << 30); ok {
		t.Errorf("threadChildren(no such pid) = %v, true", got)
	}
}

// TestSampler: the Sampler reads what Read reads, and reading again
// allocates nothing.
func TestSampler(t *testing.T) {
	var sm Sampler
	pid := os.Getpid()
	rss, err := sm.RSS(pid)
	if err != nil {
		t.Fatal(err)
	}
	u, err := sm.Rollup(pid)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Read(pid)
	if err != nil {
		t.Fatal(err)
	}
	// The process runs meanwhile: the readings agree within 25%.
	for _, tt := range []struct {
		name      string
		got, want int64
	}{
		{"statm RSS", rss, want.RSS},
		{"rollup RSS", u.RSS, want.RSS},
		{"rollup PSS", u.PSS, want.PSS},
		{"rollup anon", u.Anon, want.Anon},
	} {
		if tt.got <= 0 || tt.got < tt.want*3/4 || tt.got > tt.want*5/4 {
			t.Errorf("%s = %d kB, want about %d kB", tt.name, tt.got, tt.want)
		}
	}
	// Opening the files allocates a few small objects (the path, the
	// *os.File); the contents go to the Sampler's buffer.
	var before, after runtime.MemStats
	const runs = 50
	runtime.ReadMemStats(&before)
	for range runs {
		if _, err := sm.RSS(pid); err != nil {
			t.Fatal(err)
		}
		if _, err := sm.Rollup(pid); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / runs; per > 1024 {
		t.Errorf("a reading of statm and smaps_rollup allocates %d bytes, want under 1 KiB (the file contents belong in the Sampler's buffer)", per)
	}
	if _, err := sm.RSS(1 << 30); err == nil {
		t.Error("RSS(no such pid) succeeded")
	}
	if _, err := sm.Rollup(1 << 30); err == nil {
		t.Error("Rollup(no such pid) succeeded")
	}
}
