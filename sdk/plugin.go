package sdk

import (
	"context"
	"log/slog"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pb "github.com/ddc-go/ddc/sdk/proto/ddc/plugin/v1"
)

// ProtocolVersion is the plugin protocol version this SDK speaks. Hosts
// negotiate it with go-plugin's VersionedPlugins.
const ProtocolVersion = 1

// PluginKey is the name the DDC plugin is dispensed under in go-plugin's
// plugin set.
const PluginKey = "ddc"

// Handshake returns the go-plugin handshake shared by the host and plugins.
// The magic cookie only tells a user who runs a plugin by hand what it is;
// it is not a security measure.
func Handshake() goplugin.HandshakeConfig {
	return goplugin.HandshakeConfig{
		ProtocolVersion:  ProtocolVersion,
		MagicCookieKey:   "DDC_PLUGIN_MAGIC_COOKIE",
		MagicCookieValue: "d1scord-d0cker-c0ntrol",
	}
}

// GRPCPlugin is the go-plugin glue for the DDC protocol: its server side
// serves Impl in a plugin process, its client side gives a host a *Client.
// Serve and sdktest use it; plugin authors do not need it.
type GRPCPlugin struct {
	goplugin.NetRPCUnsupportedPlugin
	// Impl is the plugin served (plugin side only).
	Impl Plugin
	// Logger is handed to the plugin through Host.Logger (plugin side only).
	Logger *slog.Logger
}

var _ goplugin.GRPCPlugin = (*GRPCPlugin)(nil)

// GRPCServer registers the Plugin service for Impl.
func (p *GRPCPlugin) GRPCServer(broker *goplugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterPluginServer(s, newPluginServer(p.Impl, broker, p.Logger))
	return nil
}

// GRPCClient returns a *Client for the plugin on conn.
func (p *GRPCPlugin) GRPCClient(_ context.Context, broker *goplugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return &Client{rpc: pb.NewPluginClient(conn), broker: broker}, nil
}
