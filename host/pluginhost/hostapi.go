package pluginhost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/ddc-go/ddc/host/store"
	"github.com/ddc-go/ddc/sdk"
)

// hostTopicPrefix starts the topics only the host publishes
// (sdk.TopicDiscordMessage).
const hostTopicPrefix = "discord."

// Messenger delivers plugins' messages to Discord: the host's outbox. The
// Discord layer implements it; until one is set, message calls fail with
// sdk.ErrUnavailable.
type Messenger interface {
	Send(ctx context.Context, pluginID, channelID string, m sdk.Message) (string, error)
	Edit(ctx context.Context, pluginID, channelID, messageID string, m sdk.Message) error
	Delete(ctx context.Context, pluginID, channelID, messageID string) error
	Followup(ctx context.Context, pluginID, interactionID string, m sdk.Message) (string, error)
	// DiscordInfo returns the commands the user of in may use where in
	// happened, and the Discord latencies.
	DiscordInfo(ctx context.Context, pluginID string, in sdk.Interaction) (sdk.DiscordInfo, error)
}

// hostAPI is the Host one plugin sees. Its identity is fixed: a plugin can
// only touch its own KV namespace and only invoke what its manifest calls.
type hostAPI struct {
	m   *Manager
	id  string
	log *slog.Logger
}

var _ sdk.Host = (*hostAPI)(nil)

func (h *hostAPI) messenger() (Messenger, error) {
	if ms := h.m.messenger(); ms != nil {
		return ms, nil
	}
	return nil, fmt.Errorf("discord is not connected: %w", sdk.ErrUnavailable)
}

func (h *hostAPI) Send(ctx context.Context, channelID string, m sdk.Message) (string, error) {
	ms, err := h.messenger()
	if err != nil {
		return "", err
	}
	return ms.Send(ctx, h.id, channelID, m)
}

func (h *hostAPI) Edit(ctx context.Context, channelID, messageID string, m sdk.Message) error {
	ms, err := h.messenger()
	if err != nil {
		return err
	}
	return ms.Edit(ctx, h.id, channelID, messageID, m)
}

func (h *hostAPI) Delete(ctx context.Context, channelID, messageID string) error {
	ms, err := h.messenger()
	if err != nil {
		return err
	}
	return ms.Delete(ctx, h.id, channelID, messageID)
}

func (h *hostAPI) Followup(ctx context.Context, interactionID string, m sdk.Message) (string, error) {
	ms, err := h.messenger()
	if err != nil {
		return "", err
	}
	return ms.Followup(ctx, h.id, interactionID, m)
}

func (h *hostAPI) Publish(_ context.Context, topic string, payload []byte) error {
	if err := validateTopic(topic, false); err != nil {
		return fmt.Errorf("publish: %w: %w", err, sdk.ErrInvalid)
	}
	if strings.HasPrefix(topic, hostTopicPrefix) {
		return fmt.Errorf("publish %s: topics under %q are the host's: %w", topic, hostTopicPrefix, sdk.ErrPermission)
	}
	ev := sdk.Event{Topic: topic, Payload: payload, Source: h.id}
	_, err := h.m.bus.Publish(ev)
	if err == nil && h.m.cfg.Observer != nil {
		h.m.cfg.Observer.Published(h.id, ev)
	}
	return err
}

func (h *hostAPI) Invoke(ctx context.Context, action string, args, result any) error {
	raw, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("invoke %s: encode args: %w", action, err)
	}
	out, err := h.m.Invoke(ctx, h.id, action, raw, h.interaction(ctx, "invoke "+action))
	if err != nil {
		return err
	}
	if result != nil && len(out) > 0 {
		if err := json.Unmarshal(out, result); err != nil {
			return fmt.Errorf("invoke %s: decode result: %w", action, err)
		}
	}
	return nil
}

// KV is the plugin's own namespace, limited by its quota.
func (h *hostAPI) KV() sdk.KV {
	var q store.Quota
	if h.m.cfg.KVQuota != nil {
		q = h.m.cfg.KVQuota(h.id)
	}
	if q.MaxKeys <= 0 {
		q.MaxKeys = DefaultKVMaxKeys
	}
	if q.MaxBytes <= 0 {
		q.MaxBytes = DefaultKVMaxBytes
	}
	return storeKV{kv: h.m.cfg.Store.KV("plugin/" + h.id).WithQuota(q), id: h.id}
}

// Audit appends e with the user and place taken from the host's record of
// the interaction ctx names, never from e.
func (h *hostAPI) Audit(ctx context.Context, e sdk.AuditEntry) error {
	entry := store.AuditEntry{Time: time.Now(), Plugin: h.id, Action: e.Action, Target: e.Target, Result: e.Result, Detail: e.Detail}
	if in := h.interaction(ctx, "audit "+e.Action); in != nil {
		entry.GuildID, entry.ChannelID, entry.UserID, entry.UserName = in.GuildID, in.ChannelID, in.User.ID, in.User.Name
	}
	err := h.m.cfg.Store.AppendAudit(ctx, entry)
	if err == nil && h.m.cfg.Observer != nil {
		h.m.cfg.Observer.Audited(h.id, e)
	}
	return err
}

// interaction returns the host's own record of the interaction ctx names
// (the plugin sends only its claim), if the host routed it to this plugin
// within its life; nil otherwise, and a claim the host does not vouch for
// is logged (what names the call).
func (h *hostAPI) interaction(ctx context.Context, what string) *sdk.Interaction {
	claim, ok := sdk.InteractionFrom(ctx)
	if !ok {
		return nil
	}
	in, ok := h.m.routed.lookup(h.id, claim.ID)
	if !ok {
		h.log.Warn("plugin named an interaction the host did not route to it (or older than 15 minutes); ignored: the call carries only the plugin's identity",
			"call", what, "interaction", claim.ID, "claimed_user", claim.User.ID)
		return nil
	}
	return &in
}

func (h *hostAPI) Logger() *slog.Logger { return h.log }

func (h *hostAPI) DiscordInfo(ctx context.Context) (sdk.DiscordInfo, error) {
	ms, err := h.messenger()
	if err != nil {
		return sdk.DiscordInfo{}, err
	}
	in, _ := sdk.InteractionFrom(ctx)
	return ms.DiscordInfo(ctx, h.id, in)
}

// A plugin's KV quota where Config.KVQuota sets none.
const (
	// DefaultKVMaxKeys is the most keys a plugin may store.
	DefaultKVMaxKeys = 10000
	// DefaultKVMaxBytes caps a plugin's keys and values together (64 MiB).
	DefaultKVMaxBytes = 64 << 20
)

// storeKV adapts a store namespace to sdk.KV, mapping limit errors to
// sdk.ErrInvalid so the plugin can tell its own mistakes from outages.
type storeKV struct {
	kv *store.KV
	id string
}

func (s storeKV) Get(ctx context.Context, key string) ([]byte, bool, error) {
	v, ok, err := s.kv.Get(ctx, key)
	return v, ok, kvErr(err)
}

func (s storeKV) Put(ctx context.Context, key string, value []byte) error {
	err := s.kv.Put(ctx, key, value)
	if errors.Is(err, store.ErrQuotaExceeded) {
		return fmt.Errorf("%w (plugin %s's KV quota; an admin can raise it with plugins.%s.kv_quota in config.yaml): %w", err, s.id, s.id, sdk.ErrInvalid)
	}
	return kvErr(err)
}

func (s storeKV) Delete(ctx context.Context, key string) error { return kvErr(s.kv.Delete(ctx, key)) }

func (s storeKV) List(ctx context.Context, prefix string) ([]string, error) {
	keys, err := s.kv.List(ctx, prefix, 0)
	return keys, kvErr(err)
}

func kvErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, store.ErrInvalidKey) || errors.Is(err, store.ErrValueTooLarge) || errors.Is(err, store.ErrInvalidNamespace) {
		return fmt.Errorf("%w: %w", err, sdk.ErrInvalid)
	}
	return err
}
