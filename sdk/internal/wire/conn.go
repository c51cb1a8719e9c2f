package wire

import "google.golang.org/grpc"

// connBuffer is the size of each plugin connection's read and write
// buffer, on each side. Messages are small (a command, an embed, a list
// of containers) and the connections mostly idle, so gRPC's 32 KiB of
// each cost every process 64 KiB per connection end for nothing; a larger
// message still goes through, in more reads.
const connBuffer = 8 << 10

// ServerOptions are the gRPC server options of both ends' servers: the
// plugin's, and the host API the host serves to each plugin.
func ServerOptions() []grpc.ServerOption {
	return []grpc.ServerOption{grpc.ReadBufferSize(connBuffer), grpc.WriteBufferSize(connBuffer)}
}

// DialOptions are the gRPC dial options of both ends' clients: the host's
// connection to a plugin, and a plugin's to the host API.
func DialOptions() []grpc.DialOption {
	return []grpc.DialOption{grpc.WithReadBufferSize(connBuffer), grpc.WithWriteBufferSize(connBuffer)}
}
