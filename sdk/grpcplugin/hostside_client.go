package grpcplugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	goplugin "github.com/hashicorp/go-plugin"

	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/internal/wire"
	pb "github.com/ddc-go/ddc/sdk/proto/ddc/plugin/v1"
)

// This file is the host side's client of the Plugin service.

// Manifest is a plugin's Info as the host sees it, with what the SDK adds.
type Manifest struct {
	sdk.Info
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
	Degraded bool   // Degraded: running, but something it needs is missing.
	Message  string // Message explains Degraded.
	// StuckCalls counts calls still running well past their deadline.
	StuckCalls int
	// Stuck describes them, longest running first (plugins built with an
	// older SDK report only the count).
	Stuck []StuckCall
	// HostRenewed is set when the plugin had lost its connection to the
	// Host API and CheckHealth gave it a new one.
	HostRenewed bool
}

// StuckCall is a call still running well past its deadline.
type StuckCall struct {
	Kind     string        // Kind: "command", "component", "event", "invoke", ...
	Name     string        // Name: "/command sub", a custom id, a topic, an action.
	Running  time.Duration // Running is how long it has run.
	Deadline time.Duration // Deadline is how long it was given.
}

// String describes the call: "HandleCommand /uptime stuck for 75s past its
// 60s deadline".
func (s StuckCall) String() string {
	call := wire.RPCName(s.Kind)
	if s.Name != "" {
		call += " " + s.Name
	}
	return fmt.Sprintf("%s stuck for %s past its %s deadline", call, seconds(s.Running), seconds(s.Deadline))
}

// seconds formats d in whole seconds, or milliseconds below one second.
func seconds(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return fmt.Sprintf("%ds", int64(d.Round(time.Second)/time.Second))
}

// HTTPRequest is a web request for a plugin page.
type HTTPRequest struct {
	Method   string      // Method, e.g. GET.
	Path     string      // Path below /p/<plugin-id>, starting with '/'.
	RawQuery string      // RawQuery without '?'.
	Header   http.Header // Header of the request, without cookies and authorization.
	Body     []byte      // Body of the request.
	User     string      // User is the logged-in web user.
}

// HTTPResponse is a plugin page's answer.
type HTTPResponse struct {
	Status int         // Status code.
	Header http.Header // Header of the response.
	Body   []byte      // Body of the response.
}

// Client is the host's typed view of one running plugin, dispensed by
// GRPCPlugin through go-plugin. Errors returned by its methods match the
// SDK's sentinels (errors.Is) and carry a plugin's sdk.UserError. It is safe
// for concurrent use.
type Client struct {
	rpc    pb.PluginClient
	broker *goplugin.GRPCBroker

	renewMu sync.Mutex // one ServeHost or RenewHost at a time

	mu     sync.Mutex
	host   sdk.Host     // served to the plugin, once ServeHost ran
	served *hostService // where host is served now
}

// Manifest asks the plugin for its manifest.
func (c *Client) Manifest(ctx context.Context) (Manifest, error) {
	resp, err := c.rpc.GetInfo(ctx, &pb.GetInfoRequest{})
	if err != nil {
		return Manifest{}, fmt.Errorf("get info: %w", fromStatus(err))
	}
	return manifestFromProto(resp.GetManifest()), nil
}

// Configure hands the plugin its settings (a JSON object) and, after
// ServeHost, where its Host API is served.
func (c *Client) Configure(ctx context.Context, settings json.RawMessage) error {
	req := &pb.ConfigureRequest{SettingsJson: settings, HostBrokerId: c.hostID(), DefaultLocale: sdk.DefaultLocale(ctx)}
	_, err := c.rpc.Configure(ctx, req)
	if err != nil {
		return fmt.Errorf("configure: %w", fromStatus(err))
	}
	return nil
}

// Start starts the plugin.
func (c *Client) Start(ctx context.Context) error {
	if _, err := c.rpc.Start(ctx, &pb.StartRequest{HostBrokerId: c.hostID()}); err != nil {
		return fmt.Errorf("start: %w", fromStatus(err))
	}
	return nil
}

// Stop asks the plugin to stop.
func (c *Client) Stop(ctx context.Context) error {
	if _, err := c.rpc.Stop(ctx, &pb.StopRequest{}); err != nil {
		return fmt.Errorf("stop: %w", fromStatus(err))
	}
	return nil
}

// HandleCommand sends a slash command to the plugin.
func (c *Client) HandleCommand(ctx context.Context, req *sdk.CommandRequest) (*sdk.Response, error) {
	resp, err := c.rpc.HandleCommand(ctx, &pb.HandleCommandRequest{
		Context: interactionToProto(req.Interaction), Command: req.Command,
		Subcommand: req.Subcommand, Options: optionValuesToProto(req.Options),
	})
	if err != nil {
		return nil, fmt.Errorf("command /%s: %w", req.Command, fromStatus(err))
	}
	return responseFromProto(resp.GetResponse()), nil
}

// HandleAutocomplete asks the plugin for choices.
func (c *Client) HandleAutocomplete(ctx context.Context, req *sdk.CommandRequest) ([]sdk.Choice, error) {
	resp, err := c.rpc.HandleAutocomplete(ctx, &pb.HandleAutocompleteRequest{
		Context: interactionToProto(req.Interaction), Command: req.Command,
		Subcommand: req.Subcommand, Options: optionValuesToProto(req.Options),
	})
	if err != nil {
		return nil, fmt.Errorf("autocomplete /%s: %w", req.Command, fromStatus(err))
	}
	return choicesFromProto(resp.GetChoices()), nil
}

// HandleComponent sends a button click or select choice to the plugin.
func (c *Client) HandleComponent(ctx context.Context, req *sdk.ComponentRequest) (*sdk.Response, error) {
	resp, err := c.rpc.HandleComponent(ctx, &pb.HandleComponentRequest{
		Context: interactionToProto(req.Interaction), CustomId: req.CustomID,
		ComponentType: pb.ComponentType(req.Type), Values: req.Values, MessageId: req.MessageID,
	})
	if err != nil {
		return nil, fmt.Errorf("component %s: %w", req.CustomID, fromStatus(err))
	}
	return responseFromProto(resp.GetResponse()), nil
}

// HandleModal sends a modal submit to the plugin.
func (c *Client) HandleModal(ctx context.Context, req *sdk.ModalRequest) (*sdk.Response, error) {
	resp, err := c.rpc.HandleModal(ctx, &pb.HandleModalRequest{
		Context: interactionToProto(req.Interaction), CustomId: req.CustomID, Fields: req.Fields,
	})
	if err != nil {
		return nil, fmt.Errorf("modal %s: %w", req.CustomID, fromStatus(err))
	}
	return responseFromProto(resp.GetResponse()), nil
}

// HandleEvent delivers an event to the plugin.
func (c *Client) HandleEvent(ctx context.Context, ev sdk.Event) error {
	_, err := c.rpc.HandleEvent(ctx, &pb.HandleEventRequest{Topic: ev.Topic, Payload: ev.Payload, Source: ev.Source})
	if err != nil {
		return fmt.Errorf("event %s: %w", ev.Topic, fromStatus(err))
	}
	return nil
}

// Invoke calls one of the plugin's actions.
func (c *Client) Invoke(ctx context.Context, req *sdk.InvokeRequest) (json.RawMessage, error) {
	preq := &pb.InvokeRequest{Action: req.Action, Args: req.Args, Caller: req.Caller, CallerLevel: pb.PermissionLevel(req.CallerLevel)}
	if req.Interaction != nil {
		preq.Context = interactionToProto(*req.Interaction)
	}
	resp, err := c.rpc.Invoke(ctx, preq)
	if err != nil {
		return nil, fmt.Errorf("action %s: %w", req.Action, fromStatus(err))
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
		return nil, fmt.Errorf("http %s %s: %w", req.Method, req.Path, fromStatus(err))
	}
	out := &HTTPResponse{Status: int(resp.GetStatus()), Header: http.Header{}, Body: resp.GetBody()}
	for _, h := range resp.GetHeaders() {
		out.Header[h.GetName()] = h.GetValues()
	}
	return out, nil
}

// CheckHealth asks the plugin for its health. When the plugin reports its
// connection to the Host API lost, CheckHealth gives it a new one
// (RenewHost) and says so in Health.HostRenewed.
func (c *Client) CheckHealth(ctx context.Context) (Health, error) {
	resp, err := c.rpc.CheckHealth(ctx, &pb.CheckHealthRequest{})
	if err != nil {
		return Health{}, fmt.Errorf("check health: %w", fromStatus(err))
	}
	h := Health{
		Degraded:   resp.GetStatus() == pb.HealthStatus_HEALTH_STATUS_DEGRADED,
		Message:    resp.GetMessage(),
		StuckCalls: int(resp.GetStuckCalls()),
	}
	for _, s := range resp.GetStuck() {
		h.Stuck = append(h.Stuck, StuckCall{
			Kind: s.GetKind(), Name: s.GetName(),
			Running: time.Duration(s.GetRunningMs()) * time.Millisecond, Deadline: time.Duration(s.GetDeadlineMs()) * time.Millisecond,
		})
	}
	if resp.GetHostConnectionLost() && c.hostServed() {
		if err := c.RenewHost(ctx); err != nil {
			return h, fmt.Errorf("check health: the plugin lost its host connection: %w", err)
		}
		h.HostRenewed = true
	}
	return h, nil
}
