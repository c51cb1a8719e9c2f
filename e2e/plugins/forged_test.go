package plugins

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/host/store"
	"github.com/ddc-go/ddc/sdk"
)

// TestAuditUserFromHost: a plugin (real subprocess) writes audit entries
// claiming another user, place and name. The entry made while handling an
// interaction gets the user and place of the host's record of it; the one
// made without an interaction gets none. Nothing the plugin claimed is
// kept.
func TestAuditUserFromHost(t *testing.T) {
	data := t.TempDir()
	install(t, data, "fault", "fault", bins.fault, nil)
	e := start(t, data, nil)
	waitState(t, e.mgr, "fault", pluginhost.StateRunning, 10*time.Second)
	ctx := context.Background()
	in := sdk.Interaction{ID: "930000000000000001", GuildID: "930000000000000002", ChannelID: "930000000000000003", User: sdk.User{ID: "930000000000000004", Name: "vic"}, Level: sdk.LevelView}
	if _, err := e.mgr.HandleCommand(ctx, "fault", &sdk.CommandRequest{Interaction: in, Command: "fault", Options: []sdk.OptionValue{do("audit-forged")}}); err != nil {
		t.Fatal(err)
	}
	entries, err := e.store.Audit(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]store.AuditEntry{}
	for _, a := range entries {
		if a.Plugin == "fault" {
			got[a.Target] = a
		}
	}
	tests := []struct {
		target string
		want   store.AuditEntry
	}{
		{"with-interaction", store.AuditEntry{Plugin: "fault", GuildID: in.GuildID, ChannelID: in.ChannelID, UserID: in.User.ID, UserName: in.User.Name, Action: "forged", Target: "with-interaction", Result: "ok"}},
		{"without-interaction", store.AuditEntry{Plugin: "fault", Action: "forged", Target: "without-interaction", Result: "ok"}},
	}
	for _, tt := range tests {
		a, ok := got[tt.target]
		a.Time = time.Time{}
		if !ok || a != tt.want {
			raw, _ := json.Marshal(a)
			t.Errorf("entry %s = %s (found %v), want user and place from the host: %+v", tt.target, raw, ok, tt.want)
		}
	}
	for _, a := range entries {
		if raw, _ := json.Marshal(a); strings.Contains(string(raw), "666") || strings.Contains(string(raw), "forged admin") {
			t.Errorf("an audit entry kept the plugin's claim: %s", raw)
		}
	}
}
