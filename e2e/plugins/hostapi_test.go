package plugins

import (
	"context"
	"testing"
	"time"

	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/sdk"
)

// TestHostAPIFirstCallLate makes a plugin's first Host API call 30 s after
// it started. go-plugin forgets a broker id's connection info about 5 s
// after the host offers it, so a plugin that dialled the host lazily could
// never reach it; the SDK connects when it gets the id.
func TestHostAPIFirstCallLate(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	install(t, data, "late", "late", bins.fault, []string{"--id", "late", "--cmd", "late"})
	e := start(t, data, nil)
	waitState(t, e.mgr, "late", pluginhost.StateRunning, 20*time.Second)
	// The point of the test is the time that passes, not a condition.
	time.Sleep(30 * time.Second)
	ctx := context.Background()
	if _, err := command(ctx, e.mgr, "late", "late", do("kv-put"), sdk.OptionValue{Name: "value", Type: sdk.OptionString, Value: "late"}); err != nil {
		t.Fatalf("first Host API call 30 s after start: %v", err)
	}
	if v, ok, err := e.store.KV("plugin/late").Get(ctx, "bench"); err != nil || !ok || string(v) != "late" {
		t.Errorf("store plugin/late bench = %q %v %v, want late", v, ok, err)
	}
}

// TestHostAPIAfterConnectionSevered cuts a running plugin's connection to
// the Host API from inside the plugin process, removing the socket it came
// from as well, so gRPC cannot reconnect to it. The next Host API call must
// work: the plugin reports the connection lost in CheckHealth, the host
// hands it a new one, and the waiting call goes through on it. (Severing
// needs Linux's /proc.)
func TestHostAPIAfterConnectionSevered(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	install(t, data, "sever", "sever", bins.fault, []string{"--id", "sever", "--cmd", "sever"})
	e := start(t, data, func(c *pluginhost.Config) {
		// The call waits for the host's next health check, a second away;
		// give it room on a loaded machine.
		c.Timeouts.Call = 30 * time.Second
	})
	waitState(t, e.mgr, "sever", pluginhost.StateRunning, 20*time.Second)
	ctx := context.Background()
	kvPut := func(v string) error {
		_, err := command(ctx, e.mgr, "sever", "sever", do("kv-put"), sdk.OptionValue{Name: "value", Type: sdk.OptionString, Value: v})
		return err
	}
	if err := kvPut("before"); err != nil {
		t.Fatalf("Host API call before severing: %v", err)
	}
	for round := range 2 {
		resp, err := command(ctx, e.mgr, "sever", "sever", do("sever"))
		if err != nil {
			t.Fatalf("round %d: sever: %v", round, err)
		}
		t.Logf("round %d: %s", round, resp.Message.Content)
		if err := kvPut("after"); err != nil {
			t.Fatalf("round %d: first Host API call after the connection was severed: %v", round, err)
		}
		resp, err = command(ctx, e.mgr, "sever", "sever", do("kv-get"))
		if err != nil || resp.Message.Content != "got after" {
			t.Fatalf("round %d: kv-get after severing = %+v, %v; want got after", round, resp, err)
		}
	}
	st, _ := e.mgr.Status("sever")
	if st.State != pluginhost.StateRunning || st.Restarts != 0 {
		t.Errorf("status after severing = %+v, want running without a restart", st)
	}
}
