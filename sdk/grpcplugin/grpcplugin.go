package grpcplugin

import (
	"context"
	"errors"
	"fmt"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/internal/wire"
	pb "github.com/ddc-go/ddc/sdk/proto/ddc/plugin/v1"
)

// PluginKey is the name the DDC plugin is dispensed under in go-plugin's
// plugin set.
const PluginKey = wire.PluginKey

// Handshake returns the go-plugin handshake shared by the host and plugins.
func Handshake() goplugin.HandshakeConfig { return wire.Handshake() }

// DialOptions returns the gRPC options of the host's connection to a
// plugin: the same small buffers the plugin's end uses.
func DialOptions() []grpc.DialOption { return wire.DialOptions() }

// VersionedPlugins returns the plugin sets a host passes to go-plugin's
// ClientConfig.VersionedPlugins.
func VersionedPlugins() map[int]goplugin.PluginSet {
	return map[int]goplugin.PluginSet{sdk.ProtocolVersion: {PluginKey: &GRPCPlugin{}}}
}

// Dispense returns the typed client of the plugin behind a go-plugin
// connection.
func Dispense(proto goplugin.ClientProtocol) (*Client, error) {
	raw, err := proto.Dispense(PluginKey)
	if err != nil {
		return nil, fmt.Errorf("dispense plugin: %w", err)
	}
	c, ok := raw.(*Client)
	if !ok {
		return nil, fmt.Errorf("dispense plugin: got %T, want *grpcplugin.Client", raw)
	}
	return c, nil
}

// GRPCPlugin is the host side's go-plugin glue: its client half gives a
// host a *Client. A plugin is served by sdk.Serve, not by this type.
type GRPCPlugin struct {
	goplugin.NetRPCUnsupportedPlugin
}

var _ goplugin.GRPCPlugin = (*GRPCPlugin)(nil)

// GRPCServer refuses: plugins are served by sdk.Serve.
func (*GRPCPlugin) GRPCServer(*goplugin.GRPCBroker, *grpc.Server) error {
	return errors.New("grpcplugin is the host side; plugins are served by sdk.Serve")
}

// GRPCClient returns a *Client for the plugin on conn.
func (*GRPCPlugin) GRPCClient(_ context.Context, broker *goplugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return &Client{rpc: pb.NewPluginClient(conn), broker: broker}, nil
}

// WithInteraction returns a context carrying in, which sdk.InteractionFrom
// returns. The Host API server sets it for a plugin's Invoke that came from
// a user's interaction.
func WithInteraction(ctx context.Context, in sdk.Interaction) context.Context {
	return context.WithValue(ctx, wire.InteractionKey{}, in)
}

// userErrors tells the error mapping about sdk.UserError.
func userErrors() wire.UserErrors {
	return wire.UserErrors{Message: sdk.UserMessage, New: func(msg string, cause error) error {
		return &sdk.UserError{Msg: msg, Err: cause}
	}}
}

// toStatus converts err for the wire; fromStatus converts it back.
func toStatus(err error) error   { return userErrors().ToStatus(err) }
func fromStatus(err error) error { return userErrors().FromStatus(err) }
