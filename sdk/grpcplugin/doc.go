// Package grpcplugin is the host side of the DDC plugin protocol: the
// go-plugin glue a host uses to start plugins and the typed Client through
// which it calls them and serves them its Host API. Package sdk is the
// plugin side; plugin authors never import this package.
//
// Errors returned by Client match the SDK's sentinels (errors.Is) and carry
// a plugin's sdk.UserError; the Host API served to a plugin maps its errors
// back the same way, in one place shared with package sdk.
//
// It must never import host/ or plugins/: any host could use it.
package grpcplugin
