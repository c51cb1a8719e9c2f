package sdk

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"

	goplugin "github.com/hashicorp/go-plugin"

	pb "github.com/ddc-go/ddc/sdk/proto/ddc/plugin/v1"
)

// hostClient is the plugin side of the Host service. It dials the host's
// broker id once, on first use, and keeps the connection.
type hostClient struct {
	broker   *goplugin.GRPCBroker
	brokerID uint32
	log      *slog.Logger

	mu  sync.Mutex
	rpc pb.HostClient
}

var _ Host = (*hostClient)(nil)

func (h *hostClient) client() (pb.HostClient, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rpc != nil {
		return h.rpc, nil
	}
	if h.broker == nil || h.brokerID == 0 {
		return nil, fmt.Errorf("host api: %w: no host connection (called before Start?)", ErrUnavailable)
	}
	conn, err := h.broker.Dial(h.brokerID)
	if err != nil {
		return nil, fmt.Errorf("host api: dial broker %d: %w", h.brokerID, err)
	}
	h.rpc = pb.NewHostClient(conn)
	return h.rpc, nil
}

func (h *hostClient) Send(ctx context.Context, channelID string, m Message) (string, error) {
	c, err := h.client()
	if err != nil {
		return "", err
	}
	resp, err := c.SendMessage(ctx, &pb.SendMessageRequest{ChannelId: channelID, Message: messageToProto(m)})
	if err != nil {
		return "", fmt.Errorf("send message to channel %s: %w", channelID, FromStatus(err))
	}
	return resp.GetMessageId(), nil
}

func (h *hostClient) Edit(ctx context.Context, channelID, messageID string, m Message) error {
	c, err := h.client()
	if err != nil {
		return err
	}
	_, err = c.EditMessage(ctx, &pb.EditMessageRequest{ChannelId: channelID, MessageId: messageID, Message: messageToProto(m)})
	if err != nil {
		return fmt.Errorf("edit message %s in channel %s: %w", messageID, channelID, FromStatus(err))
	}
	return nil
}

func (h *hostClient) Delete(ctx context.Context, channelID, messageID string) error {
	c, err := h.client()
	if err != nil {
		return err
	}
	_, err = c.DeleteMessage(ctx, &pb.DeleteMessageRequest{ChannelId: channelID, MessageId: messageID})
	if err != nil {
		return fmt.Errorf("delete message %s in channel %s: %w", messageID, channelID, FromStatus(err))
	}
	return nil
}

func (h *hostClient) Followup(ctx context.Context, interactionID string, m Message) (string, error) {
	c, err := h.client()
	if err != nil {
		return "", err
	}
	resp, err := c.Followup(ctx, &pb.FollowupRequest{InteractionId: interactionID, Message: messageToProto(m)})
	if err != nil {
		return "", fmt.Errorf("follow up interaction %s: %w", interactionID, FromStatus(err))
	}
	return resp.GetMessageId(), nil
}

func (h *hostClient) Publish(ctx context.Context, topic string, payload []byte) error {
	c, err := h.client()
	if err != nil {
		return err
	}
	if _, err := c.Publish(ctx, &pb.PublishRequest{Topic: topic, Payload: payload}); err != nil {
		return fmt.Errorf("publish %s: %w", topic, FromStatus(err))
	}
	return nil
}

func (h *hostClient) Invoke(ctx context.Context, action string, args, result any) error {
	c, err := h.client()
	if err != nil {
		return err
	}
	raw, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("invoke %s: encode args: %w", action, err)
	}
	req := &pb.HostInvokeRequest{Action: action, Args: raw}
	if in, ok := InteractionFrom(ctx); ok {
		req.Context = interactionToProto(in)
	}
	resp, err := c.Invoke(ctx, req)
	if err != nil {
		return fmt.Errorf("invoke %s: %w", action, FromStatus(err))
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
	c, err := h.client()
	if err != nil {
		return err
	}
	if _, err := c.Audit(ctx, &pb.AuditRequest{Entry: auditToProto(e)}); err != nil {
		return fmt.Errorf("audit %s %s: %w", e.Action, e.Target, FromStatus(err))
	}
	return nil
}

func (h *hostClient) Logger() *slog.Logger { return h.log }

type hostKV struct{ h *hostClient }

func (kv hostKV) Get(ctx context.Context, key string) ([]byte, bool, error) {
	c, err := kv.h.client()
	if err != nil {
		return nil, false, err
	}
	resp, err := c.KVGet(ctx, &pb.KVGetRequest{Key: key})
	if err != nil {
		return nil, false, fmt.Errorf("kv get %q: %w", key, FromStatus(err))
	}
	return resp.GetValue(), resp.GetFound(), nil
}

func (kv hostKV) Put(ctx context.Context, key string, value []byte) error {
	c, err := kv.h.client()
	if err != nil {
		return err
	}
	if _, err := c.KVPut(ctx, &pb.KVPutRequest{Key: key, Value: value}); err != nil {
		return fmt.Errorf("kv put %q: %w", key, FromStatus(err))
	}
	return nil
}

func (kv hostKV) Delete(ctx context.Context, key string) error {
	c, err := kv.h.client()
	if err != nil {
		return err
	}
	if _, err := c.KVDelete(ctx, &pb.KVDeleteRequest{Key: key}); err != nil {
		return fmt.Errorf("kv delete %q: %w", key, FromStatus(err))
	}
	return nil
}

func (kv hostKV) List(ctx context.Context, prefix string) ([]string, error) {
	c, err := kv.h.client()
	if err != nil {
		return nil, err
	}
	resp, err := c.KVList(ctx, &pb.KVListRequest{Prefix: prefix})
	if err != nil {
		return nil, fmt.Errorf("kv list %q: %w", prefix, FromStatus(err))
	}
	return resp.GetKeys(), nil
}
