package pluginstore

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"

	"github.com/ddc-go/ddc/sdk/grpcplugin"
)

// describeTimeout bounds the start and the manifest call of Describe.
const describeTimeout = 10 * time.Second

// Describe starts the plugin binary at path (with args) the way the host
// does, without a host behind it, and returns its manifest. The process
// gets only PATH, TZ and HOME from the environment, and is killed before
// Describe returns.
func Describe(ctx context.Context, path string, args ...string) (grpcplugin.Manifest, error) {
	cmd := exec.Command(path, args...)
	for _, k := range []string{"PATH", "TZ", "HOME"} {
		if v, ok := os.LookupEnv(k); ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	if cmd.Env == nil {
		cmd.Env = []string{}
	}
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig:  grpcplugin.Handshake(),
		VersionedPlugins: grpcplugin.VersionedPlugins(),
		Cmd:              cmd,
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		AutoMTLS:         true,
		SkipHostEnv:      true,
		StartTimeout:     describeTimeout,
		Logger:           hclog.NewNullLogger(),
	})
	defer client.Kill()
	proto, err := client.Client()
	if err != nil {
		return grpcplugin.Manifest{}, fmt.Errorf("start plugin %s: %w", path, err)
	}
	rpc, err := grpcplugin.Dispense(proto)
	if err != nil {
		return grpcplugin.Manifest{}, fmt.Errorf("plugin %s: %w", path, err)
	}
	ctx, cancel := context.WithTimeout(ctx, describeTimeout)
	defer cancel()
	mf, err := rpc.Manifest(ctx)
	if err != nil {
		return grpcplugin.Manifest{}, fmt.Errorf("plugin %s: read manifest: %w", path, err)
	}
	return mf, nil
}
