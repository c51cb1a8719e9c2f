// Package wire holds what both ends of the plugin protocol must agree on
// and plugin authors never see: the go-plugin handshake, the SDK's sentinel
// errors and the one mapping between errors and gRPC status codes, and the
// context key that carries an interaction.
//
// Package sdk (the plugin side) and package sdk/grpcplugin (the host side)
// both use it, so neither defines these twice. It imports neither.
//
// It must never import host/ or plugins/.
package wire
