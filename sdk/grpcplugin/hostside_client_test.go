package grpcplugin_test

import (
	"testing"
	"time"

	"github.com/ddc-go/ddc/sdk/grpcplugin"
)

func TestStuckCallString(t *testing.T) {
	tests := []struct {
		call grpcplugin.StuckCall
		want string
	}{
		{
			grpcplugin.StuckCall{Kind: "command", Name: "/uptime", Running: 75 * time.Second, Deadline: 60 * time.Second},
			"HandleCommand /uptime stuck for 75s past its 60s deadline",
		},
		{
			grpcplugin.StuckCall{Kind: "component", Name: "containers:restart:web", Running: 64400 * time.Millisecond, Deadline: 60 * time.Second},
			"HandleComponent containers:restart:web stuck for 64s past its 60s deadline",
		},
		{
			grpcplugin.StuckCall{Kind: "event", Name: "container.state", Running: 7 * time.Second, Deadline: 5 * time.Second},
			"HandleEvent container.state stuck for 7s past its 5s deadline",
		},
		{
			grpcplugin.StuckCall{Kind: "invoke", Name: "containers.restart", Running: 2500 * time.Millisecond, Deadline: 100 * time.Millisecond},
			"Invoke containers.restart stuck for 3s past its 100ms deadline",
		},
		{
			grpcplugin.StuckCall{Kind: "configure", Running: 13 * time.Second, Deadline: 10 * time.Second},
			"Configure stuck for 13s past its 10s deadline",
		},
		{
			grpcplugin.StuckCall{Kind: "future", Name: "x", Running: 3 * time.Second, Deadline: time.Second},
			"future x stuck for 3s past its 1s deadline",
		},
	}
	for _, tt := range tests {
		if got := tt.call.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.call, got, tt.want)
		}
	}
}
