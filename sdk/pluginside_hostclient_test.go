package sdk

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"

	pb "github.com/ddc-go/ddc/sdk/proto/ddc/plugin/v1"

	"github.com/ddc-go/ddc/internal/testkit/wait"
)

// kvHost is a Host service whose every key holds its name.
type kvHost struct {
	pb.UnimplementedHostServer
	name string
}

func (k kvHost) KVGet(context.Context, *pb.KVGetRequest) (*pb.KVGetResponse, error) {
	return &pb.KVGetResponse{Value: []byte(k.name), Found: true}, nil
}

// serveKVHost serves a kvHost on a unix socket and returns a connection to
// it and the server. Stopping the server removes the socket, so the
// connection cannot come back.
func serveKVHost(t *testing.T, name string) (*grpc.ClientConn, *grpc.Server) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name+".sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	pb.RegisterHostServer(srv, kvHost{name: name})
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient("unix://"+path, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn, srv
}

type kvResult struct {
	value string
	err   error
}

func getAsync(ctx context.Context, h *hostClient) chan kvResult {
	done := make(chan kvResult, 1)
	go func() {
		v, _, err := h.KV().Get(ctx, "k")
		done <- kvResult{string(v), err}
	}()
	return done
}

// TestHostClientWaitsForAConnection: calls made before the host connected
// the plugin, or while its connection is lost, wait for the next connection
// instead of failing, and a lost connection shows in connectionLost.
func TestHostClientWaitsForAConnection(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	h := newHostClient(nil)
	if h.connectionLost() {
		t.Error("connectionLost() before any connection = true, want false (not connected yet is not lost)")
	}

	early := getAsync(ctx, h)
	connA, srvA := serveKVHost(t, "a")
	h.use(connA)
	if r := <-early; r.err != nil || r.value != "a" {
		t.Fatalf("call made before the first connection = %q, %v; want a", r.value, r.err)
	}

	// The host's end goes away for good: the listener and its socket.
	// Once gRPC has seen it (a call in flight at that moment fails), the
	// next call waits for a new connection.
	srvA.Stop()
	wait.For(t, 20*time.Second, "gRPC to see the connection end", func() bool { return connA.GetState() != connectivity.Ready })
	waiting := getAsync(ctx, h)
	wait.For(t, 20*time.Second, "connection reported lost", h.connectionLost)
	select {
	case r := <-waiting:
		t.Fatalf("call while the connection is lost returned %q, %v; want it to wait", r.value, r.err)
	default:
	}
	connB, _ := serveKVHost(t, "b")
	h.use(connB)
	if r := <-waiting; r.err != nil || r.value != "b" {
		t.Fatalf("call waiting for a new connection = %q, %v; want b", r.value, r.err)
	}
	if h.connectionLost() {
		t.Error("connectionLost() after a new connection = true, want false")
	}
}

// TestHostClientGivesUpAtTheDeadline: with no connection, a call ends with
// its context, matching ErrUnavailable and the context's error.
func TestHostClientGivesUpAtTheDeadline(t *testing.T) {
	h := newHostClient(nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, _, err := h.KV().Get(ctx, "k")
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Get without a connection = %v, want ErrUnavailable and context.DeadlineExceeded", err)
	}
}
