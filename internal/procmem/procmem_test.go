package procmem

import (
	"os"
	"os/exec"
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
