package auth

import (
	"runtime"
	"testing"
)

// TestHashReturnsItsMemory: the 19 MiB argon2id works in is returned to
// the system after hashing and after verifying, not kept by the runtime
// (idle heap not yet released stays well below it).
func TestHashReturnsItsMemory(t *testing.T) {
	retained := func() uint64 {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapIdle - ms.HeapReleased
	}
	hash, err := hashPassword("a long test password")
	if err != nil {
		t.Fatal(err)
	}
	if r := retained(); r > argonMemory*1024/2 {
		t.Errorf("after hashing the runtime keeps %d KiB of idle heap, want well below argon2's %d KiB", r>>10, argonMemory)
	}
	if ok, err := verifyPassword(hash, "a long test password"); !ok || err != nil {
		t.Fatalf("verifyPassword = %v, %v", ok, err)
	}
	if r := retained(); r > argonMemory*1024/2 {
		t.Errorf("after verifying the runtime keeps %d KiB of idle heap, want well below argon2's %d KiB", r>>10, argonMemory)
	}
}
