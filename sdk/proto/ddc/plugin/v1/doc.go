// Package pluginv1 is the generated Go code of the DDC plugin protocol
// (plugin.proto beside it): the messages and the Plugin and Host gRPC
// services. Regenerate it with `task proto`; never edit the .pb.go files.
// It must never import anything else of DDC (host/, plugins/, the rest of
// sdk): package sdk and package sdk/grpcplugin build on it.
package pluginv1
