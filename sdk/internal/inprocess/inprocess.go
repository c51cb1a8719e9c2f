// Package inprocess lets package sdktest run a plugin inside the test
// process through sdk.Serve's own code, in go-plugin's test mode, without
// sdk exporting anything for it: sdktest hands Serve a value implementing
// Requester, which no plugin outside the SDK can (the Config type is
// internal).
//
// It must never import host/ or plugins/.
package inprocess

import (
	"log/slog"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
)

// Config says how to serve a plugin in-process.
type Config struct {
	// Plugin is the sdk.Plugin to serve.
	Plugin any
	// Test is go-plugin's test mode: it sends the reattach config on its
	// channel and stops serving when its context ends.
	Test *goplugin.ServeTestConfig
	// Logger is the plugin's Host.Logger.
	Logger *slog.Logger
	// GoPluginLogger receives go-plugin's own log lines.
	GoPluginLogger hclog.Logger
}

// Requester is what sdk.Serve looks for to serve in-process.
type Requester interface {
	InProcess() Config
}
