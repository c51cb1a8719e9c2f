package grpcplugin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"google.golang.org/grpc"

	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/internal/wire"
	pb "github.com/ddc-go/ddc/sdk/proto/ddc/plugin/v1"
)

// This file is the host side's server of the Host service, which a plugin
// reaches through go-plugin's broker.

// hostService is the Host API served on one broker id.
type hostService struct {
	id   uint32
	srv  *grpc.Server
	done chan struct{} // closed when serving ended
}

// stop closes the listener and every connection to it.
func (s *hostService) stop() {
	s.srv.Stop()
	<-s.done
}

// serveHost serves h on a new broker id. go-plugin sends the id's
// connection info to the plugin now and forgets it about 5 s later, so the
// plugin must connect to it right away.
func (c *Client) serveHost(h sdk.Host) (*hostService, error) {
	id := c.broker.NextId()
	created := make(chan *grpc.Server, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		// AcceptAndServe serves until the server stops or the broker
		// closes (the plugin's connection ended).
		c.broker.AcceptAndServe(id, func(opts []grpc.ServerOption) *grpc.Server {
			s := grpc.NewServer(append(opts, wire.ServerOptions()...)...)
			pb.RegisterHostServer(s, &hostServer{h: h})
			created <- s
			return s
		})
	}()
	select {
	case s := <-created:
		return &hostService{id: id, srv: s, done: done}, nil
	case <-done:
		return nil, fmt.Errorf("serve the host api on broker id %d: go-plugin could not listen (see the log)", id)
	}
}

// ServeHost serves h to the plugin as its Host API. Call it once, before
// Configure and Start, which tell the plugin where to connect.
func (c *Client) ServeHost(h sdk.Host) error {
	if h == nil {
		return errors.New("serve host api: host is nil")
	}
	c.renewMu.Lock()
	defer c.renewMu.Unlock()
	if c.hostServed() {
		return errors.New("serve host api: already served")
	}
	s, err := c.serveHost(h)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.host, c.served = h, s
	c.mu.Unlock()
	return nil
}

// RenewHost serves the Host API on a new broker id, hands it to the plugin
// (ConnectHost) and then closes the previous one with its connections.
// CheckHealth calls it when the plugin reports its connection lost.
func (c *Client) RenewHost(ctx context.Context) error {
	c.renewMu.Lock()
	defer c.renewMu.Unlock()
	c.mu.Lock()
	h := c.host
	c.mu.Unlock()
	if h == nil {
		return errors.New("renew host api: not served yet (ServeHost)")
	}
	s, err := c.serveHost(h)
	if err != nil {
		return fmt.Errorf("renew host api: %w", err)
	}
	if _, err := c.rpc.ConnectHost(ctx, &pb.ConnectHostRequest{HostBrokerId: s.id}); err != nil {
		s.stop()
		return fmt.Errorf("renew host api: hand broker id %d to the plugin: %w", s.id, fromStatus(err))
	}
	c.mu.Lock()
	old := c.served
	c.served = s
	c.mu.Unlock()
	old.stop()
	return nil
}

func (c *Client) hostID() uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.served == nil {
		return 0
	}
	return c.served.id
}

func (c *Client) hostServed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.host != nil
}

// hostServer serves a Host implementation over gRPC for one plugin.
type hostServer struct {
	pb.UnimplementedHostServer
	h sdk.Host
}

func withCtx(ctx context.Context, c *pb.InteractionContext) context.Context {
	if c == nil {
		return ctx
	}
	return WithInteraction(ctx, interactionFromProto(c))
}

func (s *hostServer) SendMessage(ctx context.Context, req *pb.SendMessageRequest) (*pb.SendMessageResponse, error) {
	id, err := s.h.Send(ctx, req.GetChannelId(), messageFromProto(req.GetMessage()))
	return &pb.SendMessageResponse{MessageId: id}, toStatus(err)
}

func (s *hostServer) EditMessage(ctx context.Context, req *pb.EditMessageRequest) (*pb.EditMessageResponse, error) {
	err := s.h.Edit(ctx, req.GetChannelId(), req.GetMessageId(), messageFromProto(req.GetMessage()))
	return &pb.EditMessageResponse{}, toStatus(err)
}

func (s *hostServer) DeleteMessage(ctx context.Context, req *pb.DeleteMessageRequest) (*pb.DeleteMessageResponse, error) {
	return &pb.DeleteMessageResponse{}, toStatus(s.h.Delete(ctx, req.GetChannelId(), req.GetMessageId()))
}

func (s *hostServer) Followup(ctx context.Context, req *pb.FollowupRequest) (*pb.FollowupResponse, error) {
	id, err := s.h.Followup(ctx, req.GetInteractionId(), messageFromProto(req.GetMessage()))
	return &pb.FollowupResponse{MessageId: id}, toStatus(err)
}

func (s *hostServer) Publish(ctx context.Context, req *pb.PublishRequest) (*pb.PublishResponse, error) {
	return &pb.PublishResponse{}, toStatus(s.h.Publish(ctx, req.GetTopic(), req.GetPayload()))
}

func (s *hostServer) Invoke(ctx context.Context, req *pb.HostInvokeRequest) (*pb.HostInvokeResponse, error) {
	var result json.RawMessage
	args := json.RawMessage(req.GetArgs())
	if len(bytes.TrimSpace(args)) == 0 {
		args = json.RawMessage("null")
	}
	err := s.h.Invoke(withCtx(ctx, req.GetContext()), req.GetAction(), args, &result)
	return &pb.HostInvokeResponse{Result: result}, toStatus(err)
}

func (s *hostServer) KVGet(ctx context.Context, req *pb.KVGetRequest) (*pb.KVGetResponse, error) {
	v, found, err := s.h.KV().Get(ctx, req.GetKey())
	return &pb.KVGetResponse{Value: v, Found: found}, toStatus(err)
}

func (s *hostServer) KVPut(ctx context.Context, req *pb.KVPutRequest) (*pb.KVPutResponse, error) {
	return &pb.KVPutResponse{}, toStatus(s.h.KV().Put(ctx, req.GetKey(), req.GetValue()))
}

func (s *hostServer) KVDelete(ctx context.Context, req *pb.KVDeleteRequest) (*pb.KVDeleteResponse, error) {
	return &pb.KVDeleteResponse{}, toStatus(s.h.KV().Delete(ctx, req.GetKey()))
}

func (s *hostServer) KVList(ctx context.Context, req *pb.KVListRequest) (*pb.KVListResponse, error) {
	keys, err := s.h.KV().List(ctx, req.GetPrefix())
	if lim := int(req.GetLimit()); lim > 0 && len(keys) > lim {
		keys = keys[:lim]
	}
	return &pb.KVListResponse{Keys: keys}, toStatus(err)
}

func (s *hostServer) DiscordInfo(ctx context.Context, req *pb.DiscordInfoRequest) (*pb.DiscordInfoResponse, error) {
	if req.GetContext() != nil {
		ctx = WithInteraction(ctx, interactionFromProto(req.GetContext()))
	}
	info, err := s.h.DiscordInfo(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	out := &pb.DiscordInfoResponse{GatewayLatencyMs: info.GatewayLatency.Milliseconds(), RestLatencyMs: info.RESTLatency.Milliseconds()}
	for _, c := range info.Commands {
		out.Commands = append(out.Commands, &pb.CommandSummary{
			Plugin: c.Plugin, Name: c.Name, Description: c.Description,
			DescriptionLocalizations: c.DescriptionLocalizations, Level: pb.PermissionLevel(c.Level),
		})
	}
	return out, nil
}

func (s *hostServer) Audit(ctx context.Context, req *pb.AuditRequest) (*pb.AuditResponse, error) {
	return &pb.AuditResponse{}, toStatus(s.h.Audit(withCtx(ctx, req.GetContext()), auditFromProto(req.GetEntry())))
}
