package sdk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ddc-go/ddc/sdk/internal/wire"
	pb "github.com/ddc-go/ddc/sdk/proto/ddc/plugin/v1"
)

// This file is the plugin side's server of the Plugin service.

// stuckGrace is how long a handler may run past its deadline before
// CheckHealth reports it stuck and the host restarts the plugin.
const stuckGrace = 2 * time.Second

// pluginServer serves a Plugin over gRPC. It converts types, turns panics
// into errors, and tracks calls that outlive their deadline.
type pluginServer struct {
	pb.UnimplementedPluginServer
	impl Plugin
	host *hostClient
	log  *slog.Logger

	mu       sync.Mutex
	inflight map[uint64]inflightCall
	nextCall uint64
	locale   string // the host's default language, from the last Configure
}

// inflightCall is a running call that has a deadline.
type inflightCall struct {
	kind, name      string
	start, deadline time.Time
}

func newPluginServer(impl Plugin, host *hostClient) *pluginServer {
	return &pluginServer{impl: impl, host: host, log: host.log, inflight: map[uint64]inflightCall{}}
}

// handlers lists the optional interfaces impl implements, as named in the
// manifest.
func handlers(p Plugin) []string {
	var hs []string
	add := func(ok bool, name string) {
		if ok {
			hs = append(hs, name)
		}
	}
	_, ok := p.(Configurer)
	add(ok, "configure")
	_, ok = p.(Starter)
	add(ok, "start")
	_, ok = p.(Stopper)
	add(ok, "stop")
	_, ok = p.(CommandHandler)
	add(ok, "command")
	_, ok = p.(AutocompleteHandler)
	add(ok, "autocomplete")
	_, ok = p.(ComponentHandler)
	add(ok, "component")
	_, ok = p.(ModalHandler)
	add(ok, "modal")
	_, ok = p.(EventHandler)
	add(ok, "event")
	_, ok = p.(ActionHandler)
	add(ok, "invoke")
	_, ok = p.(http.Handler)
	add(ok, "http")
	_, ok = p.(HealthChecker)
	add(ok, "health")
	return hs
}

// call runs fn with panic recovery and deadline tracking, with the host's
// default language in its context, and converts its error for the wire.
// kind and name say what runs, for CheckHealth's report of stuck calls.
func (s *pluginServer) call(ctx context.Context, kind, name string, fn func(ctx context.Context) error) (err error) {
	what := wire.RPCName(kind)
	if name != "" {
		what += " " + name
	}
	s.mu.Lock()
	locale := s.locale
	s.mu.Unlock()
	if locale != "" {
		ctx = WithDefaultLocale(ctx, locale)
	}
	if dl, ok := ctx.Deadline(); ok {
		s.mu.Lock()
		s.nextCall++
		id := s.nextCall
		s.inflight[id] = inflightCall{kind: kind, name: name, start: time.Now(), deadline: dl}
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			delete(s.inflight, id)
			s.mu.Unlock()
		}()
	}
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("plugin handler panicked", "call", what, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = status.Errorf(codes.Internal, "%s: plugin panic: %v", what, r)
		}
	}()
	return toStatus(fn(ctx))
}

// stuckCalls describes the calls running longer than stuckGrace past their
// deadline, longest first.
func (s *pluginServer) stuckCalls() []*pb.StuckCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*pb.StuckCall
	now := time.Now()
	for _, c := range s.inflight {
		if now.After(c.deadline.Add(stuckGrace)) {
			out = append(out, &pb.StuckCall{
				Kind: c.kind, Name: c.name,
				RunningMs: now.Sub(c.start).Milliseconds(), DeadlineMs: c.deadline.Sub(c.start).Milliseconds(),
			})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].RunningMs > out[j].RunningMs })
	return out
}

// connectHost connects the Host to broker id; a failure is reported by
// CheckHealth, which makes the host hand over a new id.
func (s *pluginServer) connectHost(id uint32) {
	if err := s.host.connect(id); err != nil {
		s.log.Warn("cannot connect to the host; it will offer a new connection at its next health check", "error", err)
	}
}

func unsupported(what string) error {
	return status.Errorf(codes.Unimplemented, "plugin does not implement %s", what)
}

// replyErr turns a handler's UserError into an ephemeral reply, so the user
// sees its message; other errors go back as errors.
func replyErr(resp *Response, err error) (*pb.Response, error) {
	if err != nil {
		if msg, ok := UserMessage(err); ok {
			return responseToProto(Ephemeral(msg)), nil
		}
		return nil, err
	}
	return responseToProto(resp), nil
}

func (s *pluginServer) GetInfo(ctx context.Context, _ *pb.GetInfoRequest) (*pb.GetInfoResponse, error) {
	var m *pb.Manifest
	err := s.call(ctx, "info", "", func(context.Context) error {
		m = infoToProto(s.impl.Info(), handlers(s.impl))
		return nil
	})
	return &pb.GetInfoResponse{Manifest: m}, err
}

func (s *pluginServer) Configure(ctx context.Context, req *pb.ConfigureRequest) (*pb.ConfigureResponse, error) {
	s.connectHost(req.GetHostBrokerId())
	s.mu.Lock()
	s.locale = req.GetDefaultLocale()
	s.mu.Unlock()
	c, ok := s.impl.(Configurer)
	if !ok {
		return &pb.ConfigureResponse{}, nil
	}
	settings := req.GetSettingsJson()
	if len(settings) == 0 {
		settings = []byte("{}")
	}
	err := s.call(ctx, "configure", "", func(ctx context.Context) error { return c.Configure(ctx, settings) })
	return &pb.ConfigureResponse{}, err
}

func (s *pluginServer) Start(ctx context.Context, req *pb.StartRequest) (*pb.StartResponse, error) {
	s.connectHost(req.GetHostBrokerId())
	st, ok := s.impl.(Starter)
	if !ok {
		return &pb.StartResponse{}, nil
	}
	err := s.call(ctx, "start", "", func(ctx context.Context) error { return st.Start(ctx, s.host) })
	return &pb.StartResponse{}, err
}

func (s *pluginServer) Stop(ctx context.Context, _ *pb.StopRequest) (*pb.StopResponse, error) {
	st, ok := s.impl.(Stopper)
	if !ok {
		return &pb.StopResponse{}, nil
	}
	return &pb.StopResponse{}, s.call(ctx, "stop", "", st.Stop)
}

func (s *pluginServer) ConnectHost(_ context.Context, req *pb.ConnectHostRequest) (*pb.ConnectHostResponse, error) {
	if err := s.host.connect(req.GetHostBrokerId()); err != nil {
		return nil, toStatus(fmt.Errorf("%w: %w", err, ErrUnavailable))
	}
	return &pb.ConnectHostResponse{}, nil
}

// commandName names a command call for the log and stuck-call reports.
func commandName(cmd string, sub []string) string {
	return strings.Join(append([]string{"/" + cmd}, sub...), " ")
}

func commandRequest(c *pb.InteractionContext, cmd string, sub []string, opts []*pb.OptionValue) *CommandRequest {
	return &CommandRequest{Interaction: interactionFromProto(c), Command: cmd, Subcommand: sub, Options: optionValuesFromProto(opts)}
}

func (s *pluginServer) HandleCommand(ctx context.Context, req *pb.HandleCommandRequest) (*pb.HandleCommandResponse, error) {
	h, ok := s.impl.(CommandHandler)
	if !ok {
		return nil, unsupported("commands")
	}
	cr := commandRequest(req.GetContext(), req.GetCommand(), req.GetSubcommand(), req.GetOptions())
	var out *pb.Response
	err := s.call(ctx, "command", commandName(cr.Command, cr.Subcommand), func(ctx context.Context) error {
		resp, err := h.HandleCommand(withInteraction(ctx, cr.Interaction), cr)
		out, err = replyErr(resp, err)
		return err
	})
	return &pb.HandleCommandResponse{Response: out}, err
}

func (s *pluginServer) HandleAutocomplete(ctx context.Context, req *pb.HandleAutocompleteRequest) (*pb.HandleAutocompleteResponse, error) {
	h, ok := s.impl.(AutocompleteHandler)
	if !ok {
		return nil, unsupported("autocomplete")
	}
	cr := commandRequest(req.GetContext(), req.GetCommand(), req.GetSubcommand(), req.GetOptions())
	var choices []Choice
	err := s.call(ctx, "autocomplete", commandName(cr.Command, cr.Subcommand), func(ctx context.Context) error {
		var err error
		choices, err = h.HandleAutocomplete(withInteraction(ctx, cr.Interaction), cr)
		return err
	})
	if len(choices) > 25 {
		choices = choices[:25]
	}
	return &pb.HandleAutocompleteResponse{Choices: choicesToProto(choices)}, err
}

func (s *pluginServer) HandleComponent(ctx context.Context, req *pb.HandleComponentRequest) (*pb.HandleComponentResponse, error) {
	h, ok := s.impl.(ComponentHandler)
	if !ok {
		return nil, unsupported("components")
	}
	cr := &ComponentRequest{
		Interaction: interactionFromProto(req.GetContext()), CustomID: req.GetCustomId(),
		Type: ComponentType(req.GetComponentType()), Values: req.GetValues(), MessageID: req.GetMessageId(),
	}
	var out *pb.Response
	err := s.call(ctx, "component", cr.CustomID, func(ctx context.Context) error {
		resp, err := h.HandleComponent(withInteraction(ctx, cr.Interaction), cr)
		out, err = replyErr(resp, err)
		return err
	})
	return &pb.HandleComponentResponse{Response: out}, err
}

func (s *pluginServer) HandleModal(ctx context.Context, req *pb.HandleModalRequest) (*pb.HandleModalResponse, error) {
	h, ok := s.impl.(ModalHandler)
	if !ok {
		return nil, unsupported("modals")
	}
	mr := &ModalRequest{Interaction: interactionFromProto(req.GetContext()), CustomID: req.GetCustomId(), Fields: req.GetFields()}
	var out *pb.Response
	err := s.call(ctx, "modal", mr.CustomID, func(ctx context.Context) error {
		resp, err := h.HandleModal(withInteraction(ctx, mr.Interaction), mr)
		out, err = replyErr(resp, err)
		return err
	})
	return &pb.HandleModalResponse{Response: out}, err
}

func (s *pluginServer) HandleEvent(ctx context.Context, req *pb.HandleEventRequest) (*pb.HandleEventResponse, error) {
	h, ok := s.impl.(EventHandler)
	if !ok {
		return nil, unsupported("events")
	}
	ev := Event{Topic: req.GetTopic(), Payload: req.GetPayload(), Source: req.GetSource()}
	err := s.call(ctx, "event", ev.Topic, func(ctx context.Context) error { return h.HandleEvent(ctx, ev) })
	return &pb.HandleEventResponse{}, err
}

func (s *pluginServer) Invoke(ctx context.Context, req *pb.InvokeRequest) (*pb.InvokeResponse, error) {
	h, ok := s.impl.(ActionHandler)
	if !ok {
		return nil, unsupported("actions")
	}
	ir := &InvokeRequest{Action: req.GetAction(), Args: req.GetArgs(), Caller: req.GetCaller(), CallerLevel: Level(req.GetCallerLevel())}
	if req.GetContext() != nil {
		in := interactionFromProto(req.GetContext())
		ir.Interaction = &in
		ctx = withInteraction(ctx, in)
	}
	var result json.RawMessage
	err := s.call(ctx, "invoke", ir.Action, func(ctx context.Context) error {
		var err error
		result, err = h.Invoke(ctx, ir)
		return err
	})
	return &pb.InvokeResponse{Result: result}, err
}

func (s *pluginServer) HandleHTTP(ctx context.Context, req *pb.HandleHTTPRequest) (*pb.HandleHTTPResponse, error) {
	h, ok := s.impl.(http.Handler)
	if !ok {
		return nil, unsupported("web pages")
	}
	target := req.GetPath()
	if req.GetRawQuery() != "" {
		target += "?" + req.GetRawQuery()
	}
	var out *pb.HandleHTTPResponse
	err := s.call(ctx, "http", req.GetMethod()+" "+req.GetPath(), func(ctx context.Context) error {
		hr, err := http.NewRequestWithContext(ctx, req.GetMethod(), target, bytes.NewReader(req.GetBody()))
		if err != nil {
			return fmt.Errorf("%w: build request %s %s: %v", ErrInvalid, req.GetMethod(), target, err)
		}
		for _, hd := range req.GetHeaders() {
			for _, v := range hd.GetValues() {
				hr.Header.Add(hd.GetName(), v)
			}
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, hr)
		res := rec.Result()
		body, _ := io.ReadAll(res.Body)
		out = &pb.HandleHTTPResponse{Status: int32(res.StatusCode), Body: body}
		for name, vs := range res.Header {
			out.Headers = append(out.Headers, &pb.HTTPHeader{Name: name, Values: vs})
		}
		return nil
	})
	return out, err
}

func (s *pluginServer) CheckHealth(ctx context.Context, _ *pb.CheckHealthRequest) (*pb.CheckHealthResponse, error) {
	stuck := s.stuckCalls()
	resp := &pb.CheckHealthResponse{
		Status: pb.HealthStatus_HEALTH_STATUS_OK, StuckCalls: int32(len(stuck)), Stuck: stuck,
		HostConnectionLost: s.host.connectionLost(),
	}
	h, ok := s.impl.(HealthChecker)
	if !ok {
		return resp, nil
	}
	err := s.call(ctx, "health", "", h.CheckHealth)
	if err != nil {
		resp.Status = pb.HealthStatus_HEALTH_STATUS_DEGRADED
		resp.Message = status.Convert(err).Message()
	}
	return resp, nil
}
