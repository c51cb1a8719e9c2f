package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"

	"github.com/ddc-go/ddc/sdk/grpcplugin"
)

// describe starts a plugin binary without a host, asks for its manifest and
// prints it as JSON.
func describe(ctx context.Context, path string, args []string, stdout io.Writer) error {
	cmd := exec.Command(path, args...)
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig:  grpcplugin.Handshake(),
		VersionedPlugins: grpcplugin.VersionedPlugins(),
		Cmd:              cmd,
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		AutoMTLS:         true,
		SkipHostEnv:      true,
		StartTimeout:     10 * time.Second,
		Logger:           hclog.NewNullLogger(),
	})
	defer client.Kill()
	proto, err := client.Client()
	if err != nil {
		return fmt.Errorf("start plugin %s: %w", path, err)
	}
	rpc, err := grpcplugin.Dispense(proto)
	if err != nil {
		return fmt.Errorf("plugin %s: %w", path, err)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	mf, err := rpc.Manifest(ctx)
	if err != nil {
		return fmt.Errorf("plugin %s: %w", path, err)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(mf)
}
