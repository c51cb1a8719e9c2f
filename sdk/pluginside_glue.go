package sdk

import (
	"context"
	"errors"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/ddc-go/ddc/sdk/internal/wire"
	pb "github.com/ddc-go/ddc/sdk/proto/ddc/plugin/v1"
)

// This file is the plugin side's go-plugin glue. The host side's is in
// package sdk/grpcplugin.

// ProtocolVersion is the plugin protocol version this SDK speaks, 1; a
// plugin.yaml records it as protocol_version.
const ProtocolVersion = wire.ProtocolVersion

// pluginGRPC serves a Plugin in the plugin process through go-plugin.
type pluginGRPC struct {
	goplugin.NetRPCUnsupportedPlugin
	impl Plugin
	host *hostClient
}

var _ goplugin.GRPCPlugin = (*pluginGRPC)(nil)

// GRPCServer registers the Plugin service for impl and gives the plugin's
// Host the broker it connects through.
func (p *pluginGRPC) GRPCServer(broker *goplugin.GRPCBroker, s *grpc.Server) error {
	p.host.setBroker(broker)
	pb.RegisterPluginServer(s, newPluginServer(p.impl, p.host))
	return nil
}

// GRPCClient is the host side, which package sdk/grpcplugin provides.
func (p *pluginGRPC) GRPCClient(context.Context, *goplugin.GRPCBroker, *grpc.ClientConn) (any, error) {
	return nil, errors.New("package sdk serves plugins; a host dispenses plugins with package sdk/grpcplugin")
}

// userErrors tells the error mapping about UserError.
func userErrors() wire.UserErrors {
	return wire.UserErrors{Message: UserMessage, New: func(msg string, cause error) error {
		return &UserError{Msg: msg, Err: cause}
	}}
}

// toStatus converts err for the wire; fromStatus converts it back.
func toStatus(err error) error   { return userErrors().ToStatus(err) }
func fromStatus(err error) error { return userErrors().FromStatus(err) }

// withInteraction returns a context carrying in, for InteractionFrom.
func withInteraction(ctx context.Context, in Interaction) context.Context {
	return context.WithValue(ctx, wire.InteractionKey{}, in)
}
