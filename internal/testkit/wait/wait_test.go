package wait_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ddc-go/ddc/internal/testkit/wait"
)

// recorder is a testing.TB that records a Fatalf instead of stopping the
// test that uses it.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
}

func TestFor(t *testing.T) {
	tests := []struct {
		name     string
		okAfter  int32 // the condition holds from this call on; 0 never
		timeout  time.Duration
		wantFail string
	}{
		{name: "holds at once", okAfter: 1, timeout: time.Second},
		{name: "holds later", okAfter: 5, timeout: 10 * time.Second},
		{name: "never holds", okAfter: 0, timeout: 100 * time.Millisecond, wantFail: "waiting for the thing; last: call"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			r := &recorder{TB: t}
			wait.ForState(r, tt.timeout, "the thing", func() (bool, string) {
				n := calls.Add(1)
				return tt.okAfter > 0 && n >= tt.okAfter, fmt.Sprintf("call %d", n)
			})
			if tt.wantFail == "" && r.failed != "" {
				t.Errorf("ForState failed: %s", r.failed)
			}
			if tt.wantFail != "" && !strings.Contains(r.failed, tt.wantFail) {
				t.Errorf("ForState failure = %q, want it to contain %q", r.failed, tt.wantFail)
			}
		})
	}
}
