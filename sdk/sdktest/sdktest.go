// Package sdktest runs a DDC plugin in memory against a recording fake host,
// so plugin authors can unit-test their plugins without a host process.
//
// The plugin is served by sdk.Serve's own code in go-plugin's test mode,
// over real gRPC on a private unix socket, and called through the host's
// own client, exactly as the host talks to it: conversion, error mapping
// and the Host API connection are exercised too. go-plugin's own log lines
// stay out of the test output unless they are warnings or errors.
//
// It must never import host/, config or plugins/: the fake host is written
// against the protocol, as the real one.
package sdktest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-plugin/runner"

	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/grpcplugin"
	"github.com/ddc-go/ddc/sdk/internal/inprocess"
	"github.com/ddc-go/ddc/sdk/topic"
)

// ErrNotDelivered is returned by Harness.Event for an event the host would
// not deliver: the plugin does not subscribe to its topic or has no event
// handler.
var ErrNotDelivered = errors.New("sdktest: the host would not deliver this event")

// Config configures a Harness. The zero value works.
type Config struct {
	// Settings are marshalled to JSON and passed to Configure; nil means {}.
	Settings any
	// SkipStart leaves the plugin configured but not started.
	SkipStart bool
	// DefaultLocale is the host's default language handed to Configure and
	// filled into interactions that do not set one; "" means "en".
	DefaultLocale string
}

// Harness is a running plugin and the fake host it talks to.
type Harness struct {
	// Host records what the plugin asked of the host.
	Host *Host
	// Client calls the plugin as the host would.
	Client *grpcplugin.Client
	// Manifest is what the plugin returned from GetInfo.
	Manifest grpcplugin.Manifest

	t      testing.TB
	next   int
	mu     sync.Mutex
	locale string
}

// New serves p in memory, reads its manifest, configures and starts it. It
// stops the plugin when the test ends and fails the test on any error.
func New(t testing.TB, p sdk.Plugin, cfg Config) *Harness {
	t.Helper()
	host := newHost(t)
	client := serve(t, p, host.log, host.goPluginLog)
	h := &Harness{Host: host, Client: client, t: t, locale: cfg.DefaultLocale}
	if h.locale == "" {
		h.locale = "en"
	}
	ctx := context.Background()
	var err error
	if h.Manifest, err = client.Manifest(ctx); err != nil {
		t.Fatalf("plugin manifest: %v", err)
	}
	host.mu.Lock()
	host.manifest = h.Manifest
	host.mu.Unlock()
	if err := client.ServeHost(host); err != nil {
		t.Fatalf("serve the host api: %v", err)
	}
	settings := []byte("{}")
	if cfg.Settings != nil {
		if settings, err = json.Marshal(cfg.Settings); err != nil {
			t.Fatalf("encode settings: %v", err)
		}
	}
	if err := client.Configure(sdk.WithDefaultLocale(ctx, h.locale), settings); err != nil {
		t.Fatalf("configure plugin %s: %v", h.Manifest.ID, err)
	}
	if !cfg.SkipStart {
		if err := client.Start(ctx); err != nil {
			t.Fatalf("start plugin %s: %v", h.Manifest.ID, err)
		}
	}
	return h
}

// inProcess asks sdk.Serve to serve a plugin in this process.
type inProcess struct {
	sdk.Plugin
	cfg inprocess.Config
}

func (p inProcess) InProcess() inprocess.Config { return p.cfg }

// served stands for the in-process plugin where go-plugin expects a
// process: it ends when sdk.Serve returns.
type served struct{ done <-chan struct{} }

func (s served) Wait(ctx context.Context) error {
	select {
	case <-s.done:
	case <-ctx.Done():
	}
	return nil
}

func (served) Kill(context.Context) error { return nil }
func (served) ID() string                 { return "sdktest" }

func (served) PluginToHost(network, addr string) (string, string, error) { return network, addr, nil }
func (served) HostToPlugin(network, addr string) (string, string, error) { return network, addr, nil }

var _ runner.AttachedRunner = served{}

// serve runs p with sdk.Serve in go-plugin's test mode and returns the
// host's client of it. The plugin is stopped when the test ends.
func serve(t testing.TB, p sdk.Plugin, log *slog.Logger, goPluginLog hclog.Logger) *grpcplugin.Client {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	reattach := make(chan *goplugin.ReattachConfig, 1)
	closed := make(chan struct{})
	returned := make(chan error, 1)
	go func() {
		returned <- sdk.Serve(inProcess{Plugin: p, cfg: inprocess.Config{
			Plugin: p, Logger: log, GoPluginLogger: goPluginLog,
			Test: &goplugin.ServeTestConfig{Context: ctx, ReattachConfigCh: reattach, CloseCh: closed},
		}})
	}()
	var rc *goplugin.ReattachConfig
	select {
	case rc = <-reattach:
	case err := <-returned:
		cancel()
		t.Fatalf("serve plugin: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("serve plugin: no reattach config within 30s")
	}
	rc.ReattachFunc = func() (runner.AttachedRunner, error) { return served{done: closed}, nil }
	gc := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig:  grpcplugin.Handshake(),
		Plugins:          grpcplugin.VersionedPlugins()[sdk.ProtocolVersion],
		Reattach:         rc,
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Logger:           goPluginLog,
	})
	proto, err := gc.Client()
	if err != nil {
		cancel()
		t.Fatalf("connect to plugin: %v", err)
	}
	client, err := grpcplugin.Dispense(proto)
	if err != nil {
		cancel()
		t.Fatalf("connect to plugin: %v", err)
	}
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		_ = client.Stop(sctx)
		// Close asks the server to shut down over its controller. The
		// context stops it only if that failed: go-plugin's two ways of
		// stopping must not run at once.
		_ = proto.Close()
		defer cancel()
		select {
		case <-closed:
		case <-time.After(10 * time.Second):
			t.Errorf("plugin %T still served 10s after the test", p)
		}
	})
	return client
}

// fill completes an interaction with test defaults: a fresh id, a guild, a
// channel, a user, the en-US locale, the harness's default language and the
// view level.
func (h *Harness) fill(in *sdk.Interaction) {
	h.mu.Lock()
	h.next++
	n := h.next
	h.mu.Unlock()
	if in.ID == "" {
		in.ID = "9000000000000000" + strconv.Itoa(10+n)
	}
	if in.GuildID == "" {
		in.GuildID = "100000000000000001"
	}
	if in.ChannelID == "" {
		in.ChannelID = "300000000000000001"
	}
	if in.User.ID == "" {
		in.User = sdk.User{ID: "200000000000000001", Name: "tester"}
	}
	if in.Locale == "" {
		in.Locale = "en-US"
	}
	if in.DefaultLocale == "" {
		in.DefaultLocale = h.locale
	}
	if in.Level == 0 {
		in.Level = sdk.LevelView
	}
	h.Host.rememberInteraction(in.ID)
}

// Command sends a slash command to the plugin. "name" or "name sub" selects
// the command and subcommand; opts are option name/value pairs.
func (h *Harness) Command(ctx context.Context, in sdk.Interaction, command string, opts ...sdk.OptionValue) (*sdk.Response, error) {
	h.fill(&in)
	parts := strings.Fields(command)
	if len(parts) == 0 {
		return nil, fmt.Errorf("sdktest: empty command")
	}
	return h.Client.HandleCommand(ctx, &sdk.CommandRequest{Interaction: in, Command: parts[0], Subcommand: parts[1:], Options: opts})
}

// Autocomplete asks for choices for the option marked Focused.
func (h *Harness) Autocomplete(ctx context.Context, in sdk.Interaction, command string, opts ...sdk.OptionValue) ([]sdk.Choice, error) {
	h.fill(&in)
	parts := strings.Fields(command)
	if len(parts) == 0 {
		return nil, fmt.Errorf("sdktest: empty command")
	}
	return h.Client.HandleAutocomplete(ctx, &sdk.CommandRequest{Interaction: in, Command: parts[0], Subcommand: parts[1:], Options: opts})
}

// Click sends a button click (or, with values, a select choice).
func (h *Harness) Click(ctx context.Context, in sdk.Interaction, customID string, values ...string) (*sdk.Response, error) {
	h.fill(&in)
	typ := sdk.ComponentButton
	if len(values) > 0 {
		typ = sdk.ComponentSelect
	}
	return h.Client.HandleComponent(ctx, &sdk.ComponentRequest{Interaction: in, CustomID: customID, Type: typ, Values: values})
}

// Submit sends a modal submit.
func (h *Harness) Submit(ctx context.Context, in sdk.Interaction, customID string, fields map[string]string) (*sdk.Response, error) {
	h.fill(&in)
	return h.Client.HandleModal(ctx, &sdk.ModalRequest{Interaction: in, CustomID: customID, Fields: fields})
}

// Event delivers an event on topic as published by source (a plugin id or
// "host"), as the host's event bus would: only when the plugin has an
// event handler and subscribes to the topic (Info.Subscribes, with the
// same matching rule). Otherwise it returns an error matching
// ErrNotDelivered.
func (h *Harness) Event(ctx context.Context, source, topicName string, payload []byte) error {
	if !h.Manifest.Has("event") {
		return fmt.Errorf("event %s from %s: plugin %s has no event handler: %w", topicName, source, h.Manifest.ID, ErrNotDelivered)
	}
	if !topic.MatchAny(h.Manifest.Subscribes, topicName) {
		return fmt.Errorf("event %s from %s: plugin %s subscribes only to %v: %w", topicName, source, h.Manifest.ID, h.Manifest.Subscribes, ErrNotDelivered)
	}
	return h.Client.HandleEvent(ctx, sdk.Event{Topic: topicName, Payload: payload, Source: source})
}

// Invoke calls one of the plugin's actions as the host.
func (h *Harness) Invoke(ctx context.Context, action string, args any) (json.RawMessage, error) {
	raw, err := json.Marshal(args)
	if err != nil {
		return nil, fmt.Errorf("sdktest: encode args of %s: %w", action, err)
	}
	return h.Client.Invoke(ctx, &sdk.InvokeRequest{Action: action, Args: raw, Caller: "host", CallerLevel: sdk.LevelAdmin})
}

// Sent is a message the plugin posted, edited or sent as a follow-up.
type Sent struct {
	ChannelID string
	MessageID string
	Message   sdk.Message
}

// Host is a recording fake of the DDC host. It keeps messages and KV in
// memory, records events and audit entries, and answers Invoke with the
// handlers a test registered. It is safe for concurrent use.
type Host struct {
	log         *slog.Logger
	goPluginLog hclog.Logger

	mu           sync.Mutex
	manifest     grpcplugin.Manifest
	nextID       int
	messages     map[string]Sent // by message id
	sent         []Sent
	edits        []Sent
	deletes      []string
	followups    []Sent
	published    []sdk.Event
	audits       []sdk.AuditEntry
	kv           map[string][]byte
	actions      map[string]func(ctx context.Context, args json.RawMessage) (any, error)
	interactions map[string]bool
	discordInfo  sdk.DiscordInfo
}

func newHost(t testing.TB) *Host {
	done := new(atomic.Bool)
	t.Cleanup(func() { done.Store(true) })
	w := testWriter{t, done}
	return &Host{
		log: slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug})),
		// go-plugin's debug lines ("[DEBUG] stdio: received EOF, ...") are
		// noise in a test; its warnings and errors are not.
		goPluginLog: hclog.New(&hclog.LoggerOptions{Name: "go-plugin", Output: w, Level: hclog.Warn}),
		messages:    map[string]Sent{}, kv: map[string][]byte{},
		actions: map[string]func(context.Context, json.RawMessage) (any, error){}, interactions: map[string]bool{},
	}
}

// testWriter writes to the test log until the test ends; later writes (from
// plugin goroutines still winding down) are dropped, as testing forbids them.
type testWriter struct {
	t    testing.TB
	done *atomic.Bool
}

func (w testWriter) Write(p []byte) (int, error) {
	if !w.done.Load() {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

var _ sdk.Host = (*Host)(nil)

func (h *Host) rememberInteraction(id string) {
	h.mu.Lock()
	h.interactions[id] = true
	h.mu.Unlock()
}

// HandleAction answers the plugin's Invoke of action with fn, standing in
// for another plugin.
func (h *Host) HandleAction(action string, fn func(ctx context.Context, args json.RawMessage) (any, error)) {
	h.mu.Lock()
	h.actions[action] = fn
	h.mu.Unlock()
}

// DeleteByUser removes a message as a Discord user would, so the plugin's
// next Edit of it fails with sdk.ErrNotFound.
func (h *Host) DeleteByUser(messageID string) {
	h.mu.Lock()
	delete(h.messages, messageID)
	h.mu.Unlock()
}

// Send records a new message.
func (h *Host) Send(_ context.Context, channelID string, m sdk.Message) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.nextID++
	s := Sent{ChannelID: channelID, MessageID: "50000000000000" + strconv.Itoa(1000+h.nextID), Message: m}
	h.messages[s.MessageID] = s
	h.sent = append(h.sent, s)
	return s.MessageID, nil
}

// Edit records an edit; it fails with sdk.ErrNotFound for unknown messages.
func (h *Host) Edit(_ context.Context, channelID, messageID string, m sdk.Message) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.messages[messageID]; !ok {
		return fmt.Errorf("message %s in channel %s: %w", messageID, channelID, sdk.ErrNotFound)
	}
	s := Sent{ChannelID: channelID, MessageID: messageID, Message: m}
	h.messages[messageID] = s
	h.edits = append(h.edits, s)
	return nil
}

// Delete records a delete.
func (h *Host) Delete(_ context.Context, channelID, messageID string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.messages[messageID]; !ok {
		return fmt.Errorf("message %s in channel %s: %w", messageID, channelID, sdk.ErrNotFound)
	}
	delete(h.messages, messageID)
	h.deletes = append(h.deletes, messageID)
	return nil
}

// Followup records a follow-up; the interaction must have been sent by the
// harness.
func (h *Host) Followup(_ context.Context, interactionID string, m sdk.Message) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.interactions[interactionID] {
		return "", fmt.Errorf("interaction %s: %w", interactionID, sdk.ErrNotFound)
	}
	h.nextID++
	s := Sent{MessageID: "60000000000000" + strconv.Itoa(1000+h.nextID), Message: m}
	h.followups = append(h.followups, s)
	return s.MessageID, nil
}

// Publish records an event.
func (h *Host) Publish(_ context.Context, topicName string, payload []byte) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.published = append(h.published, sdk.Event{Topic: topicName, Payload: append([]byte(nil), payload...), Source: h.manifest.ID})
	return nil
}

// Invoke answers with a handler registered by HandleAction. Like the real
// host, it refuses actions the manifest does not list in Calls.
func (h *Host) Invoke(ctx context.Context, action string, args, result any) error {
	h.mu.Lock()
	fn := h.actions[action]
	allowed := topic.MatchAny(h.manifest.Calls, action)
	h.mu.Unlock()
	if !allowed {
		return fmt.Errorf("plugin %s may not call %s (not in its manifest's calls): %w", h.manifest.ID, action, sdk.ErrPermission)
	}
	if fn == nil {
		return fmt.Errorf("no plugin provides action %s: %w", action, sdk.ErrNotFound)
	}
	raw, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("encode args of %s: %w", action, err)
	}
	out, err := fn(ctx, raw)
	if err != nil {
		return err
	}
	if result == nil {
		return nil
	}
	b, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("encode result of %s: %w", action, err)
	}
	return json.Unmarshal(b, result)
}

// KV returns the in-memory namespace.
func (h *Host) KV() sdk.KV { return memKV{h} }

// Audit records an entry.
func (h *Host) Audit(_ context.Context, e sdk.AuditEntry) error {
	h.mu.Lock()
	h.audits = append(h.audits, e)
	h.mu.Unlock()
	return nil
}

// Logger logs to the test log.
func (h *Host) Logger() *slog.Logger { return h.log }

// SetDiscordInfo sets what DiscordInfo returns.
func (h *Host) SetDiscordInfo(info sdk.DiscordInfo) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.discordInfo = info
}

// DiscordInfo returns what SetDiscordInfo set (nothing by default).
func (h *Host) DiscordInfo(context.Context) (sdk.DiscordInfo, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.discordInfo, nil
}

// Sent returns the messages posted with Send, oldest first.
func (h *Host) Sent() []Sent { h.mu.Lock(); defer h.mu.Unlock(); return append([]Sent(nil), h.sent...) }

// Edits returns the edits, oldest first.
func (h *Host) Edits() []Sent {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Sent(nil), h.edits...)
}

// Deletes returns the ids of deleted messages.
func (h *Host) Deletes() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.deletes...)
}

// Followups returns the follow-ups, oldest first.
func (h *Host) Followups() []Sent {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Sent(nil), h.followups...)
}

// Published returns the published events, oldest first.
func (h *Host) Published() []sdk.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]sdk.Event(nil), h.published...)
}

// Audits returns the audit entries, oldest first.
func (h *Host) Audits() []sdk.AuditEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]sdk.AuditEntry(nil), h.audits...)
}

type memKV struct{ h *Host }

func (kv memKV) Get(_ context.Context, key string) ([]byte, bool, error) {
	kv.h.mu.Lock()
	defer kv.h.mu.Unlock()
	v, ok := kv.h.kv[key]
	return append([]byte(nil), v...), ok, nil
}

func (kv memKV) Put(_ context.Context, key string, value []byte) error {
	if key == "" || len(key) > 512 {
		return fmt.Errorf("kv key %q: must be 1-512 bytes: %w", key, sdk.ErrInvalid)
	}
	kv.h.mu.Lock()
	defer kv.h.mu.Unlock()
	kv.h.kv[key] = append([]byte(nil), value...)
	return nil
}

func (kv memKV) Delete(_ context.Context, key string) error {
	kv.h.mu.Lock()
	defer kv.h.mu.Unlock()
	delete(kv.h.kv, key)
	return nil
}

func (kv memKV) List(_ context.Context, prefix string) ([]string, error) {
	kv.h.mu.Lock()
	defer kv.h.mu.Unlock()
	var keys []string
	for k := range kv.h.kv {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys, nil
}
