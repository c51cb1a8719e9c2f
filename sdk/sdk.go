package sdk

import (
	"context"
	"encoding/json"
	"net/http"
)

// Plugin is the one interface every plugin implements. Info must be cheap,
// have no side effects and not depend on settings: the host may call it
// before Configure, and `ddc plugins describe` calls it with no host at all.
type Plugin interface {
	Info() Info
}

// HostSetter receives the plugin's Host before anything can use it: Serve
// calls SetHost once, before it serves the plugin, so before the first
// Configure, Start or handler call. A plugin may keep host in a plain field
// and use it from Configure on, with no lock and no nil check. SetHost must
// only keep host: the connection to the host is made with the first
// Configure, and calls made earlier wait for it.
type HostSetter interface {
	SetHost(host Host)
}

// Configurer receives the plugin's settings as a JSON object, before Start
// and again whenever they change. An error rejects the settings; the plugin
// keeps running with the previous ones. The Host (see HostSetter) is
// connected before the first Configure.
type Configurer interface {
	Configure(ctx context.Context, settings json.RawMessage) error
}

// Starter begins the plugin's work. host is the same Host HostSetter
// receives; it stays valid until the process ends. Start must return
// promptly; long-running work goes in goroutines.
type Starter interface {
	Start(ctx context.Context, host Host) error
}

// Stopper stops the plugin's work before the process ends. It should return
// before ctx's deadline.
type Stopper interface {
	Stop(ctx context.Context) error
}

// CommandHandler answers the slash commands listed in Info.Commands.
type CommandHandler interface {
	HandleCommand(ctx context.Context, req *CommandRequest) (*Response, error)
}

// AutocompleteHandler returns up to 25 choices for the focused option of a
// command option declared with Autocomplete.
type AutocompleteHandler interface {
	HandleAutocomplete(ctx context.Context, req *CommandRequest) ([]Choice, error)
}

// ComponentHandler answers clicks on buttons and choices in select menus
// whose custom id starts with Info.ComponentPrefix and ':'.
type ComponentHandler interface {
	HandleComponent(ctx context.Context, req *ComponentRequest) (*Response, error)
}

// ModalHandler answers modal submits whose custom id starts with
// Info.ComponentPrefix and ':'.
type ModalHandler interface {
	HandleModal(ctx context.Context, req *ModalRequest) (*Response, error)
}

// EventHandler receives events on the topics listed in Info.Subscribes.
// Events are delivered in order per plugin; a slow handler delays only this
// plugin's events, and events are dropped when its queue is full.
type EventHandler interface {
	HandleEvent(ctx context.Context, ev Event) error
}

// ActionHandler runs the actions listed in Info.Provides for the host or for
// other plugins. Args and the result are JSON.
type ActionHandler interface {
	Invoke(ctx context.Context, req *InvokeRequest) (json.RawMessage, error)
}

// HealthChecker reports whether the plugin can do its work, for example
// whether it reaches Docker. A non-nil error marks the plugin degraded with
// the error's text; it is not restarted for that.
type HealthChecker interface {
	CheckHealth(ctx context.Context) error
}

// HTTPHandler serves the plugin's web pages (Info.Pages) under
// /p/<plugin-id>/ behind the host's login. It is net/http's Handler.
type HTTPHandler = http.Handler

// CommandHandlerFunc adapts a function to a CommandHandler.
type CommandHandlerFunc func(ctx context.Context, req *CommandRequest) (*Response, error)

// HandleCommand calls f.
func (f CommandHandlerFunc) HandleCommand(ctx context.Context, req *CommandRequest) (*Response, error) {
	return f(ctx, req)
}

// AutocompleteHandlerFunc adapts a function to an AutocompleteHandler.
type AutocompleteHandlerFunc func(ctx context.Context, req *CommandRequest) ([]Choice, error)

// HandleAutocomplete calls f.
func (f AutocompleteHandlerFunc) HandleAutocomplete(ctx context.Context, req *CommandRequest) ([]Choice, error) {
	return f(ctx, req)
}

// ComponentHandlerFunc adapts a function to a ComponentHandler.
type ComponentHandlerFunc func(ctx context.Context, req *ComponentRequest) (*Response, error)

// HandleComponent calls f.
func (f ComponentHandlerFunc) HandleComponent(ctx context.Context, req *ComponentRequest) (*Response, error) {
	return f(ctx, req)
}

// ModalHandlerFunc adapts a function to a ModalHandler.
type ModalHandlerFunc func(ctx context.Context, req *ModalRequest) (*Response, error)

// HandleModal calls f.
func (f ModalHandlerFunc) HandleModal(ctx context.Context, req *ModalRequest) (*Response, error) {
	return f(ctx, req)
}

// EventHandlerFunc adapts a function to an EventHandler.
type EventHandlerFunc func(ctx context.Context, ev Event) error

// HandleEvent calls f.
func (f EventHandlerFunc) HandleEvent(ctx context.Context, ev Event) error { return f(ctx, ev) }

// ActionHandlerFunc adapts a function to an ActionHandler.
type ActionHandlerFunc func(ctx context.Context, req *InvokeRequest) (json.RawMessage, error)

// Invoke calls f.
func (f ActionHandlerFunc) Invoke(ctx context.Context, req *InvokeRequest) (json.RawMessage, error) {
	return f(ctx, req)
}

// HealthCheckerFunc adapts a function to a HealthChecker.
type HealthCheckerFunc func(ctx context.Context) error

// CheckHealth calls f.
func (f HealthCheckerFunc) CheckHealth(ctx context.Context) error { return f(ctx) }

// ConfigurerFunc adapts a function to a Configurer.
type ConfigurerFunc func(ctx context.Context, settings json.RawMessage) error

// Configure calls f.
func (f ConfigurerFunc) Configure(ctx context.Context, settings json.RawMessage) error {
	return f(ctx, settings)
}

// HostSetterFunc adapts a function to a HostSetter.
type HostSetterFunc func(host Host)

// SetHost calls f.
func (f HostSetterFunc) SetHost(host Host) { f(host) }

// StarterFunc adapts a function to a Starter.
type StarterFunc func(ctx context.Context, host Host) error

// Start calls f.
func (f StarterFunc) Start(ctx context.Context, host Host) error { return f(ctx, host) }

// StopperFunc adapts a function to a Stopper.
type StopperFunc func(ctx context.Context) error

// Stop calls f.
func (f StopperFunc) Stop(ctx context.Context) error { return f(ctx) }

// Compile-time checks that the adapters satisfy their interfaces.
var (
	_ CommandHandler      = CommandHandlerFunc(nil)
	_ AutocompleteHandler = AutocompleteHandlerFunc(nil)
	_ ComponentHandler    = ComponentHandlerFunc(nil)
	_ ModalHandler        = ModalHandlerFunc(nil)
	_ EventHandler        = EventHandlerFunc(nil)
	_ ActionHandler       = ActionHandlerFunc(nil)
	_ HealthChecker       = HealthCheckerFunc(nil)
	_ HostSetter          = HostSetterFunc(nil)
	_ Configurer          = ConfigurerFunc(nil)
	_ Starter             = StarterFunc(nil)
	_ Stopper             = StopperFunc(nil)
)
