package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/status"

	"github.com/ddc-go/ddc/sdk/internal/wire"
	pb "github.com/ddc-go/ddc/sdk/proto/ddc/plugin/v1"
)

// This file is the plugin side's client of the Host service.

// hostWait bounds how long a Host call waits for a usable connection when
// its context allows longer. The host replaces a lost connection at its
// next health check, 10 s apart by default.
const hostWait = 30 * time.Second

// hostPoll is how often a waiting Host call looks at the connection again.
const hostPoll = 25 * time.Millisecond

// hostClient is the plugin's Host. It exists from Serve on; it connects to
// the host as soon as the host hands it a broker id (in Configure, Start
// or ConnectHost), because go-plugin forgets a broker id's connection info
// about 5 s after the host offers it. gRPC reconnects a broken connection
// to the same address by itself; when that address is gone too, the
// connection is reported lost in CheckHealth and the host hands over a new
// broker id. Calls are sent only on a ready connection, and repeated only
// when gRPC says they never left: while there is no connection, they wait
// (up to hostWait) for one.
type hostClient struct {
	log *slog.Logger

	dialMu sync.Mutex // one connect at a time

	mu      sync.Mutex
	broker  *goplugin.GRPCBroker
	id      uint32 // the last broker id tried; each is dialled at most once
	conn    *grpc.ClientConn
	rpc     pb.HostClient
	lost    bool          // the connection or its dial failed
	changed chan struct{} // closed when conn is replaced
}

var _ Host = (*hostClient)(nil)

func newHostClient(log *slog.Logger) *hostClient {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &hostClient{log: log, changed: make(chan struct{})}
}

func (h *hostClient) setBroker(b *goplugin.GRPCBroker) {
	h.mu.Lock()
	h.broker = b
	h.mu.Unlock()
}

// connect connects to the Host service served on broker id, replacing the
// current connection, unless id was tried already.
func (h *hostClient) connect(id uint32) error {
	if id == 0 {
		return nil
	}
	h.dialMu.Lock()
	defer h.dialMu.Unlock()
	h.mu.Lock()
	broker, tried := h.broker, h.id == id
	h.id = id
	h.mu.Unlock()
	if tried {
		return nil
	}
	if broker == nil {
		return errors.New("host api: no go-plugin broker to connect through")
	}
	conn, err := broker.DialWithOptions(id, wire.DialOptions()...)
	if err != nil {
		h.mu.Lock()
		h.lost = true
		h.mu.Unlock()
		return fmt.Errorf("host api: connect to broker id %d: %w", id, err)
	}
	h.use(conn)
	return nil
}

// use makes conn the connection to the host, closing the previous one and
// waking the calls waiting for a connection.
func (h *hostClient) use(conn *grpc.ClientConn) {
	h.mu.Lock()
	old := h.conn
	h.conn, h.rpc, h.lost = conn, pb.NewHostClient(conn), false
	close(h.changed)
	h.changed = make(chan struct{})
	h.mu.Unlock()
	if old != nil {
		_ = old.Close()
	}
}

// connectionLost reports whether the plugin needs a new broker id: a dial
// or a call found the connection unusable. An idle connection is asked to
// reconnect, so that a dead one shows at the next look.
func (h *hostClient) connectionLost() bool {
	h.mu.Lock()
	conn, lost := h.conn, h.lost
	h.mu.Unlock()
	if lost || conn == nil {
		return lost
	}
	switch conn.GetState() {
	case connectivity.TransientFailure, connectivity.Shutdown:
		h.markLost(conn)
		return true
	case connectivity.Idle:
		conn.Connect()
	}
	return false
}

func (h *hostClient) markLost(conn *grpc.ClientConn) {
	h.mu.Lock()
	if h.conn == conn && !h.lost {
		h.lost = true
		h.log.Warn("connection to the host lost; waiting for a new one")
	}
	h.mu.Unlock()
}

// call runs rpc on a ready connection to the host. An rpc that failed
// because gRPC could not dial the host never reached it: it is sent again
// once the host gives the plugin a new connection.
func (h *hostClient) call(ctx context.Context, rpc func(pb.HostClient) error) error {
	limit := time.NewTimer(hostWait)
	defer limit.Stop()
	for {
		c, conn, err := h.ready(ctx, limit.C)
		if err != nil {
			return err
		}
		err = rpc(c)
		if !neverSent(err) {
			return err
		}
		h.markLost(conn)
	}
}

// neverSent reports whether err is gRPC's failure to dial: the rpc found no
// connection and never left the plugin.
func neverSent(err error) bool {
	st, ok := status.FromError(err)
	return ok && st.Code() == codes.Unavailable && strings.Contains(st.Message(), "Error while dialing")
}

// ready waits until there is a ready connection and returns it, or until
// ctx ends or limit fires.
func (h *hostClient) ready(ctx context.Context, limit <-chan time.Time) (pb.HostClient, *grpc.ClientConn, error) {
	poll := time.NewTicker(hostPoll)
	defer poll.Stop()
	for {
		h.mu.Lock()
		conn, rpc, changed := h.conn, h.rpc, h.changed
		h.mu.Unlock()
		if conn != nil {
			switch conn.GetState() {
			case connectivity.Ready:
				return rpc, conn, nil
			case connectivity.Idle:
				conn.Connect()
			case connectivity.TransientFailure, connectivity.Shutdown:
				h.markLost(conn)
			}
		}
		select {
		case <-changed:
		case <-poll.C:
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("host api: %w: no connection to the host: %w", ErrUnavailable, ctx.Err())
		case <-limit:
			return nil, nil, fmt.Errorf("host api: %w: no connection to the host within %s", ErrUnavailable, hostWait)
		}
	}
}

func (h *hostClient) Send(ctx context.Context, channelID string, m Message) (string, error) {
	var resp *pb.SendMessageResponse
	err := h.call(ctx, func(c pb.HostClient) (err error) {
		resp, err = c.SendMessage(ctx, &pb.SendMessageRequest{ChannelId: channelID, Message: messageToProto(m)})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("send message to channel %s: %w", channelID, fromStatus(err))
	}
	return resp.GetMessageId(), nil
}

func (h *hostClient) Edit(ctx context.Context, channelID, messageID string, m Message) error {
	err := h.call(ctx, func(c pb.HostClient) error {
		_, err := c.EditMessage(ctx, &pb.EditMessageRequest{ChannelId: channelID, MessageId: messageID, Message: messageToProto(m)})
		return err
	})
	if err != nil {
		return fmt.Errorf("edit message %s in channel %s: %w", messageID, channelID, fromStatus(err))
	}
	return nil
}

func (h *hostClient) Delete(ctx context.Context, channelID, messageID string) error {
	err := h.call(ctx, func(c pb.HostClient) error {
		_, err := c.DeleteMessage(ctx, &pb.DeleteMessageRequest{ChannelId: channelID, MessageId: messageID})
		return err
	})
	if err != nil {
		return fmt.Errorf("delete message %s in channel %s: %w", messageID, channelID, fromStatus(err))
	}
	return nil
}

func (h *hostClient) Followup(ctx context.Context, interactionID string, m Message) (string, error) {
	var resp *pb.FollowupResponse
	err := h.call(ctx, func(c pb.HostClient) (err error) {
		resp, err = c.Followup(ctx, &pb.FollowupRequest{InteractionId: interactionID, Message: messageToProto(m)})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("follow up interaction %s: %w", interactionID, fromStatus(err))
	}
	return resp.GetMessageId(), nil
}

func (h *hostClient) Publish(ctx context.Context, topic string, payload []byte) error {
	err := h.call(ctx, func(c pb.HostClient) error {
		_, err := c.Publish(ctx, &pb.PublishRequest{Topic: topic, Payload: payload})
		return err
	})
	if err != nil {
		return fmt.Errorf("publish %s: %w", topic, fromStatus(err))
	}
	return nil
}

func (h *hostClient) Invoke(ctx context.Context, action string, args, result any) error {
	raw, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("invoke %s: encode args: %w", action, err)
	}
	req := &pb.HostInvokeRequest{Action: action, Args: raw}
	if in, ok := InteractionFrom(ctx); ok {
		req.Context = interactionToProto(in)
	}
	var resp *pb.HostInvokeResponse
	err = h.call(ctx, func(c pb.HostClient) (err error) {
		resp, err = c.Invoke(ctx, req)
		return err
	})
	if err != nil {
		return fmt.Errorf("invoke %s: %w", action, fromStatus(err))
	}
	if result != nil && len(resp.GetResult()) > 0 {
		if err := json.Unmarshal(resp.GetResult(), result); err != nil {
			return fmt.Errorf("invoke %s: decode result: %w", action, err)
		}
	}
	return nil
}

func (h *hostClient) KV() KV { return hostKV{h} }

func (h *hostClient) Audit(ctx context.Context, e AuditEntry) error {
	req := &pb.AuditRequest{Entry: auditToProto(e)}
	if in, ok := InteractionFrom(ctx); ok {
		req.Context = interactionToProto(in)
	}
	err := h.call(ctx, func(c pb.HostClient) error {
		_, err := c.Audit(ctx, req)
		return err
	})
	if err != nil {
		return fmt.Errorf("audit %s %s: %w", e.Action, e.Target, fromStatus(err))
	}
	return nil
}

func (h *hostClient) Logger() *slog.Logger { return h.log }

func (h *hostClient) DiscordInfo(ctx context.Context) (DiscordInfo, error) {
	req := &pb.DiscordInfoRequest{}
	if in, ok := InteractionFrom(ctx); ok {
		req.Context = interactionToProto(in)
	}
	var resp *pb.DiscordInfoResponse
	err := h.call(ctx, func(c pb.HostClient) (err error) {
		resp, err = c.DiscordInfo(ctx, req)
		return err
	})
	if err != nil {
		return DiscordInfo{}, fmt.Errorf("discord info: %w", fromStatus(err))
	}
	out := DiscordInfo{
		GatewayLatency: time.Duration(resp.GetGatewayLatencyMs()) * time.Millisecond,
		RESTLatency:    time.Duration(resp.GetRestLatencyMs()) * time.Millisecond,
	}
	for _, c := range resp.GetCommands() {
		out.Commands = append(out.Commands, CommandSummary{
			Plugin: c.GetPlugin(), Name: c.GetName(), Description: c.GetDescription(),
			DescriptionLocalizations: c.GetDescriptionLocalizations(), Level: Level(c.GetLevel()),
		})
	}
	return out, nil
}

type hostKV struct{ h *hostClient }

func (kv hostKV) Get(ctx context.Context, key string) ([]byte, bool, error) {
	var resp *pb.KVGetResponse
	err := kv.h.call(ctx, func(c pb.HostClient) (err error) {
		resp, err = c.KVGet(ctx, &pb.KVGetRequest{Key: key})
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("kv get %q: %w", key, fromStatus(err))
	}
	return resp.GetValue(), resp.GetFound(), nil
}

func (kv hostKV) Put(ctx context.Context, key string, value []byte) error {
	err := kv.h.call(ctx, func(c pb.HostClient) error {
		_, err := c.KVPut(ctx, &pb.KVPutRequest{Key: key, Value: value})
		return err
	})
	if err != nil {
		return fmt.Errorf("kv put %q: %w", key, fromStatus(err))
	}
	return nil
}

func (kv hostKV) Delete(ctx context.Context, key string) error {
	err := kv.h.call(ctx, func(c pb.HostClient) error {
		_, err := c.KVDelete(ctx, &pb.KVDeleteRequest{Key: key})
		return err
	})
	if err != nil {
		return fmt.Errorf("kv delete %q: %w", key, fromStatus(err))
	}
	return nil
}

func (kv hostKV) List(ctx context.Context, prefix string) ([]string, error) {
	var resp *pb.KVListResponse
	err := kv.h.call(ctx, func(c pb.HostClient) (err error) {
		resp, err = c.KVList(ctx, &pb.KVListRequest{Prefix: prefix})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("kv list %q: %w", prefix, fromStatus(err))
	}
	return resp.GetKeys(), nil
}
