package pluginhost

import (
	"context"
	"strings"
	"time"

	"google.golang.org/grpc"

	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/grpcplugin"
)

// Observer sees what the manager does, for metrics. Its methods are called
// on hot paths (every call to a plugin, every event and audit entry): they
// must be quick and must not block.
type Observer interface {
	// PluginCall reports one host→plugin call: the plugin's id, the
	// method of the plugin protocol ("HandleCommand", "Invoke", ...), how
	// long it took and its error (nil when it succeeded).
	PluginCall(plugin, method string, took time.Duration, err error)
	// Published reports an event a plugin published on the bus (after the
	// bus took it).
	Published(plugin string, ev sdk.Event)
	// Audited reports an audit entry a plugin wrote (after it was stored).
	Audited(plugin string, e sdk.AuditEntry)
}

// pluginService is the gRPC service prefix of the plugin protocol's
// host→plugin calls; go-plugin's own calls (health, stdio, broker) are not
// observed.
const pluginService = "/ddc.plugin.v1.Plugin/"

// dialOptions returns the gRPC options of the connection to plugin id:
// the protocol's buffer sizes, and an interceptor that reports its calls
// to the configured Observer, if there is one.
func (m *Manager) dialOptions(id string) []grpc.DialOption {
	opts := grpcplugin.DialOptions()
	obs := m.cfg.Observer
	if obs == nil {
		return opts
	}
	return append(opts, grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		name, ok := strings.CutPrefix(method, pluginService)
		if !ok {
			return invoker(ctx, method, req, reply, cc, opts...)
		}
		start := time.Now()
		err := invoker(ctx, method, req, reply, cc, opts...)
		obs.PluginCall(id, name, time.Since(start), err)
		return err
	}))
}
