package sdk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pb "github.com/ddc-go/ddc/sdk/proto/ddc/plugin/v1"
)

// Manifest is a plugin's Info as the host sees it, with what the SDK adds.
type Manifest struct {
	Info
	// ProtocolVersion the plugin speaks.
	ProtocolVersion int
	// Handlers are the optional interfaces the plugin implements
	// ("command", "event", "health", ...).
	Handlers []string
}

// Has reports whether the plugin implements the named handler.
func (m Manifest) Has(handler string) bool {
	for _, h := range m.Handlers {
		if h == handler {
			return true
		}
	}
	return false
}

// Health is a plugin's answer to CheckHealth.
type Health struct {
	Degraded   bool   // Degraded: running, but something it needs is missing.
	Message    string // Message explains Degraded.
	StuckCalls int    // StuckCalls still running well past their deadline.
}

// HTTPRequest is a web request for a plugin page.
type HTTPRequest struct {
	Method   string
	Path     string // Path below /p/<plugin-id>, starting with '/'.
	RawQuery string
	Header   http.Header
	Body     []byte
	User     string // User is the logged-in web user.
}

// HTTPResponse is a plugin page's answer.
type HTTPResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// Client is the host's typed view of one running plugin. Hosts get it from
// GRPCPlugin through go-plugin; sdktest uses it too. Errors returned by its
// methods match the SDK's sentinels (errors.Is) and carry a plugin's
// UserError. It is safe for concurrent use.
type Client struct {
	rpc    pb.PluginClient
	broker *goplugin.GRPCBroker

	mu     sync.Mutex
	hostID uint32
}

// ServeHost serves h to the plugin as its Host API over the broker. Call it
// once, before Configure and Start, which pass the broker id to the plugin.
func (c *Client) ServeHost(h Host) {
	id := c.broker.NextId()
	go c.broker.AcceptAndServe(id, func(opts []grpc.ServerOption) *grpc.Server {
		s := grpc.NewServer(opts...)
		pb.RegisterHostServer(s, &hostServer{h: h})
		return s
	})
	c.mu.Lock()
	c.hostID = id
	c.mu.Unlock()
}

func (c *Client) brokerID() uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hostID
}

// Manifest asks the plugin for its manifest.
func (c *Client) Manifest(ctx context.Context) (Manifest, error) {
	resp, err := c.rpc.GetInfo(ctx, &pb.GetInfoRequest{})
	if err != nil {
		return Manifest{}, fmt.Errorf("get info: %w", FromStatus(err))
	}
	return manifestFromProto(resp.GetManifest()), nil
}

// Configure hands the plugin its settings (a JSON object), and the host's
// default language when ctx carries one (WithDefaultLocale).
func (c *Client) Configure(ctx context.Context, settings json.RawMessage) error {
	_, err := c.rpc.Configure(ctx, &pb.ConfigureRequest{SettingsJson: settings, HostBrokerId: c.brokerID(), DefaultLocale: DefaultLocale(ctx)})
	if err != nil {
		return fmt.Errorf("configure: %w", FromStatus(err))
	}
	return nil
}

// Start starts the plugin.
func (c *Client) Start(ctx context.Context) error {
	if _, err := c.rpc.Start(ctx, &pb.StartRequest{HostBrokerId: c.brokerID()}); err != nil {
		return fmt.Errorf("start: %w", FromStatus(err))
	}
	return nil
}

// Stop asks the plugin to stop.
func (c *Client) Stop(ctx context.Context) error {
	if _, err := c.rpc.Stop(ctx, &pb.StopRequest{}); err != nil {
		return fmt.Errorf("stop: %w", FromStatus(err))
	}
	return nil
}

// HandleCommand sends a slash command to the plugin.
func (c *Client) HandleCommand(ctx context.Context, req *CommandRequest) (*Response, error) {
	resp, err := c.rpc.HandleCommand(ctx, &pb.HandleCommandRequest{
		Context: interactionToProto(req.Interaction), Command: req.Command,
		Subcommand: req.Subcommand, Options: optionValuesToProto(req.Options),
	})
	if err != nil {
		return nil, fmt.Errorf("command /%s: %w", req.Command, FromStatus(err))
	}
	return responseFromProto(resp.GetResponse()), nil
}

// HandleAutocomplete asks the plugin for choices.
func (c *Client) HandleAutocomplete(ctx context.Context, req *CommandRequest) ([]Choice, error) {
	resp, err := c.rpc.HandleAutocomplete(ctx, &pb.HandleAutocompleteRequest{
		Context: interactionToProto(req.Interaction), Command: req.Command,
		Subcommand: req.Subcommand, Options: optionValuesToProto(req.Options),
	})
	if err != nil {
		return nil, fmt.Errorf("autocomplete /%s: %w", req.Command, FromStatus(err))
	}
	var out []Choice
	for _, ch := range resp.GetChoices() {
		out = append(out, Choice{Name: ch.GetName(), Value: ch.GetValue(), NameLocalizations: ch.GetNameLocalizations()})
	}
	return out, nil
}

// HandleComponent sends a button click or select choice to the plugin.
func (c *Client) HandleComponent(ctx context.Context, req *ComponentRequest) (*Response, error) {
	resp, err := c.rpc.HandleComponent(ctx, &pb.HandleComponentRequest{
		Context: interactionToProto(req.Interaction), CustomId: req.CustomID,
		ComponentType: pb.ComponentType(req.Type), Values: req.Values, MessageId: req.MessageID,
	})
	if err != nil {
		return nil, fmt.Errorf("component %s: %w", req.CustomID, FromStatus(err))
	}
	return responseFromProto(resp.GetResponse()), nil
}

// HandleModal sends a modal submit to the plugin.
func (c *Client) HandleModal(ctx context.Context, req *ModalRequest) (*Response, error) {
	resp, err := c.rpc.HandleModal(ctx, &pb.HandleModalRequest{
		Context: interactionToProto(req.Interaction), CustomId: req.CustomID, Fields: req.Fields,
	})
	if err != nil {
		return nil, fmt.Errorf("modal %s: %w", req.CustomID, FromStatus(err))
	}
	return responseFromProto(resp.GetResponse()), nil
}

// HandleEvent delivers an event to the plugin.
func (c *Client) HandleEvent(ctx context.Context, ev Event) error {
	_, err := c.rpc.HandleEvent(ctx, &pb.HandleEventRequest{Topic: ev.Topic, Payload: ev.Payload, Source: ev.Source})
	if err != nil {
		return fmt.Errorf("event %s: %w", ev.Topic, FromStatus(err))
	}
	return nil
}

// Invoke calls one of the plugin's actions.
func (c *Client) Invoke(ctx context.Context, req *InvokeRequest) (json.RawMessage, error) {
	preq := &pb.InvokeRequest{Action: req.Action, Args: req.Args, Caller: req.Caller}
	if req.Interaction != nil {
		preq.Context = interactionToProto(*req.Interaction)
	}
	resp, err := c.rpc.Invoke(ctx, preq)
	if err != nil {
		return nil, fmt.Errorf("action %s: %w", req.Action, FromStatus(err))
	}
	return resp.GetResult(), nil
}

// HandleHTTP sends a web request to the plugin.
func (c *Client) HandleHTTP(ctx context.Context, req *HTTPRequest) (*HTTPResponse, error) {
	preq := &pb.HandleHTTPRequest{Method: req.Method, Path: req.Path, RawQuery: req.RawQuery, Body: req.Body, User: req.User}
	for name, vs := range req.Header {
		preq.Headers = append(preq.Headers, &pb.HTTPHeader{Name: name, Values: vs})
	}
	resp, err := c.rpc.HandleHTTP(ctx, preq)
	if err != nil {
		return nil, fmt.Errorf("http %s %s: %w", req.Method, req.Path, FromStatus(err))
	}
	out := &HTTPResponse{Status: int(resp.GetStatus()), Header: http.Header{}, Body: resp.GetBody()}
	for _, h := range resp.GetHeaders() {
		out.Header[h.GetName()] = h.GetValues()
	}
	return out, nil
}

// CheckHealth asks the plugin for its health.
func (c *Client) CheckHealth(ctx context.Context) (Health, error) {
	resp, err := c.rpc.CheckHealth(ctx, &pb.CheckHealthRequest{})
	if err != nil {
		return Health{}, fmt.Errorf("check health: %w", FromStatus(err))
	}
	return Health{
		Degraded:   resp.GetStatus() == pb.HealthStatus_HEALTH_STATUS_DEGRADED,
		Message:    resp.GetMessage(),
		StuckCalls: int(resp.GetStuckCalls()),
	}, nil
}

func manifestFromProto(m *pb.Manifest) Manifest {
	out := Manifest{ProtocolVersion: int(m.GetProtocolVersion()), Handlers: m.GetHandlers()}
	out.ID, out.Name, out.Version, out.Description = m.GetId(), m.GetName(), m.GetVersion(), m.GetDescription()
	out.ComponentPrefix, out.SettingsSchema, out.Intents = m.GetComponentPrefix(), m.GetSettingsSchema(), m.GetIntents()
	out.Subscribes, out.Provides, out.Calls, out.Capabilities = m.GetSubscribes(), m.GetProvides(), m.GetCalls(), m.GetCapabilities()
	for _, c := range m.GetCommands() {
		out.Commands = append(out.Commands, Command{
			Name: c.GetName(), Description: c.GetDescription(), NameLocalizations: c.GetNameLocalizations(),
			DescriptionLocalizations: c.GetDescriptionLocalizations(), Options: optionsFromProto(c.GetOptions()),
			Level: Level(c.GetLevel()),
		})
	}
	for _, p := range m.GetPages() {
		out.Pages = append(out.Pages, Page{Path: p.GetPath(), Title: p.GetTitle()})
	}
	return out
}

func optionsFromProto(opts []*pb.CommandOption) []Option {
	var out []Option
	for _, o := range opts {
		oo := Option{
			Name: o.GetName(), Description: o.GetDescription(), Type: OptionType(o.GetType()),
			Required: o.GetRequired(), Autocomplete: o.GetAutocomplete(), Options: optionsFromProto(o.GetOptions()),
			NameLocalizations: o.GetNameLocalizations(), DescriptionLocalizations: o.GetDescriptionLocalizations(),
			Level: Level(o.GetLevel()),
		}
		for _, c := range o.GetChoices() {
			oo.Choices = append(oo.Choices, Choice{Name: c.GetName(), Value: c.GetValue(), NameLocalizations: c.GetNameLocalizations()})
		}
		out = append(out, oo)
	}
	return out
}

// hostServer serves a Host implementation over gRPC for one plugin.
type hostServer struct {
	pb.UnimplementedHostServer
	h Host
}

func withCtx(ctx context.Context, c *pb.InteractionContext) context.Context {
	if c == nil {
		return ctx
	}
	return WithInteraction(ctx, interactionFromProto(c))
}

func (s *hostServer) SendMessage(ctx context.Context, req *pb.SendMessageRequest) (*pb.SendMessageResponse, error) {
	id, err := s.h.Send(ctx, req.GetChannelId(), messageFromProto(req.GetMessage()))
	return &pb.SendMessageResponse{MessageId: id}, StatusError(err)
}

func (s *hostServer) EditMessage(ctx context.Context, req *pb.EditMessageRequest) (*pb.EditMessageResponse, error) {
	err := s.h.Edit(ctx, req.GetChannelId(), req.GetMessageId(), messageFromProto(req.GetMessage()))
	return &pb.EditMessageResponse{}, StatusError(err)
}

func (s *hostServer) DeleteMessage(ctx context.Context, req *pb.DeleteMessageRequest) (*pb.DeleteMessageResponse, error) {
	return &pb.DeleteMessageResponse{}, StatusError(s.h.Delete(ctx, req.GetChannelId(), req.GetMessageId()))
}

func (s *hostServer) Followup(ctx context.Context, req *pb.FollowupRequest) (*pb.FollowupResponse, error) {
	id, err := s.h.Followup(ctx, req.GetInteractionId(), messageFromProto(req.GetMessage()))
	return &pb.FollowupResponse{MessageId: id}, StatusError(err)
}

func (s *hostServer) Publish(ctx context.Context, req *pb.PublishRequest) (*pb.PublishResponse, error) {
	return &pb.PublishResponse{}, StatusError(s.h.Publish(ctx, req.GetTopic(), req.GetPayload()))
}

func (s *hostServer) Invoke(ctx context.Context, req *pb.HostInvokeRequest) (*pb.HostInvokeResponse, error) {
	var result json.RawMessage
	args := json.RawMessage(req.GetArgs())
	if len(bytes.TrimSpace(args)) == 0 {
		args = json.RawMessage("null")
	}
	err := s.h.Invoke(withCtx(ctx, req.GetContext()), req.GetAction(), args, &result)
	return &pb.HostInvokeResponse{Result: result}, StatusError(err)
}

func (s *hostServer) KVGet(ctx context.Context, req *pb.KVGetRequest) (*pb.KVGetResponse, error) {
	v, found, err := s.h.KV().Get(ctx, req.GetKey())
	return &pb.KVGetResponse{Value: v, Found: found}, StatusError(err)
}

func (s *hostServer) KVPut(ctx context.Context, req *pb.KVPutRequest) (*pb.KVPutResponse, error) {
	return &pb.KVPutResponse{}, StatusError(s.h.KV().Put(ctx, req.GetKey(), req.GetValue()))
}

func (s *hostServer) KVDelete(ctx context.Context, req *pb.KVDeleteRequest) (*pb.KVDeleteResponse, error) {
	return &pb.KVDeleteResponse{}, StatusError(s.h.KV().Delete(ctx, req.GetKey()))
}

func (s *hostServer) KVList(ctx context.Context, req *pb.KVListRequest) (*pb.KVListResponse, error) {
	keys, err := s.h.KV().List(ctx, req.GetPrefix())
	if lim := int(req.GetLimit()); lim > 0 && len(keys) > lim {
		keys = keys[:lim]
	}
	return &pb.KVListResponse{Keys: keys}, StatusError(err)
}

func (s *hostServer) Audit(ctx context.Context, req *pb.AuditRequest) (*pb.AuditResponse, error) {
	e := req.GetEntry()
	err := s.h.Audit(ctx, AuditEntry{
		UserID: e.GetUserId(), UserName: e.GetUserName(), GuildID: e.GetGuildId(), ChannelID: e.GetChannelId(),
		Action: e.GetAction(), Target: e.GetTarget(), Result: e.GetResult(), Detail: e.GetDetail(),
	})
	return &pb.AuditResponse{}, StatusError(err)
}
