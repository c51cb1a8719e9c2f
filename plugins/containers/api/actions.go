package api

import (
	"cmp"
	"strings"
	"time"
)

// PluginID is the containers plugin's id; every action name starts with it
// and a dot.
const PluginID = "containers"

// Actions the containers plugin provides. List the ones a plugin calls in
// its Info.Calls ("containers.*" allows all of them). Each takes Args (as
// JSON) and answers with the result type named in its comment. Errors
// cross the wire as the sdk sentinels: sdk.ErrInvalid for bad arguments
// (the message says which), sdk.ErrNotFound for an unknown container or
// endpoint, sdk.ErrPermission when the container does not allow the op or
// is protected (or the calling Discord user lacks the level),
// sdk.ErrBusy when another action on the container is still running,
// sdk.ErrUnavailable when its endpoint is unreachable and sdk.ErrTimeout
// when Docker did not confirm the outcome in time.
const (
	// ActionList lists the visible containers: ListResult. It never calls
	// Docker (the plugin follows Docker's events), so it is cheap.
	ActionList = "containers.list"
	// ActionInspect describes one container (Args.Container) with the
	// daemon's current details: ContainerInfo with the inspect-only
	// fields.
	ActionInspect = "containers.inspect"
	// ActionStart starts Args.Container and waits until Docker reports it
	// running and it stayed up for the start check: ActionResult.
	ActionStart = "containers.start"
	// ActionStop stops Args.Container, letting it stop for
	// Args.TimeoutSeconds before Docker kills it: ActionResult.
	ActionStop = "containers.stop"
	// ActionRestart restarts Args.Container like stop then start:
	// ActionResult.
	ActionRestart = "containers.restart"
	// ActionLogs returns the last Args.Lines lines of Args.Container's
	// output: LogsResult. The container must allow OpLogs.
	ActionLogs = "containers.logs"
	// ActionStats samples Args.Container's CPU and memory use once:
	// StatsResult. It takes about 1-2 s (Docker compares two samples) and
	// is refused for containers whose ShowStats is false.
	ActionStats = "containers.stats"
	// ActionRestartAll restarts every visible container that allows it,
	// is reachable and not protected, in list order, one after the other:
	// each starts 0.5 s after the one before has finished: BulkResult.
	// Progress is published as BulkEvents.
	ActionRestartAll = "containers.restart_all"
	// ActionStopAll stops every visible, running container that allows it
	// and is not protected, like ActionRestartAll: BulkResult.
	ActionStopAll = "containers.stop_all"
	// ActionProtectedInfo checks Args.Password against the password hash of
	// Args.Container's protected info and answers with that info:
	// ProtectedInfoResult. It needs the view level, as /info does. A wrong
	// password (or a container without protected info) is
	// sdk.ErrPermission; after MaxPasswordTries wrong ones within
	// PasswordWindow the same user (or calling plugin without a user) is
	// refused with sdk.ErrBusy until the window has passed, whatever the
	// password. The password is never logged nor audited.
	ActionProtectedInfo = "containers.protected_info"
)

// Actions returns every action name, in the order the plugin declares
// them in Info.Provides.
func Actions() []string {
	return []string{
		ActionList, ActionInspect, ActionStart, ActionStop, ActionRestart,
		ActionLogs, ActionStats, ActionRestartAll, ActionStopAll, ActionProtectedInfo,
	}
}

// OpOf returns the Op an action performs on one container (start, stop,
// restart, logs), or "" for the others.
func OpOf(action string) Op {
	op, ok := strings.CutPrefix(action, PluginID+".")
	if !ok || !Op(op).Valid() {
		return ""
	}
	return Op(op)
}

// Limits of the arguments.
const (
	// DefaultLogLines is the tail length of ActionLogs when Args.Lines is 0.
	DefaultLogLines = 50
	// MaxLogLines is the longest tail ActionLogs returns.
	MaxLogLines = 500
	// MaxStopTimeoutSeconds is the largest Args.TimeoutSeconds.
	MaxStopTimeoutSeconds = 3600
	// MaxTagLen is the longest Args.Tag, in bytes.
	MaxTagLen = 100
	// MaxPasswordLen is the longest Args.Password, in characters (as
	// Discord's text input counts them).
	MaxPasswordLen = 200
	// MaxPasswordTries is how many wrong passwords of ActionProtectedInfo
	// (and of /info's password form) one user may send within
	// PasswordWindow.
	MaxPasswordTries = 5
	// PasswordWindow is the window MaxPasswordTries counts in.
	PasswordWindow = time.Minute
)

// Args are the JSON arguments of every action; each action reads the
// fields it needs and ignores the others.
type Args struct {
	// Container names the container for inspect, start, stop, restart,
	// logs and stats: "name", or "endpoint/name" when the name exists on
	// several endpoints (see ParseRef; ContainerInfo.Container is always
	// accepted).
	Container string `json:"container,omitempty"`
	// TimeoutSeconds is how long stop, restart, stop_all and restart_all
	// let a container stop gracefully before Docker kills it, in seconds,
	// 0-MaxStopTimeoutSeconds; 0 keeps the container's own stop timeout
	// (Docker's default is 10 s). The action's own deadline grows to
	// TimeoutSeconds + 5 s when that is longer than the configured action
	// timeout.
	TimeoutSeconds int `json:"timeout_seconds,omitempty"`
	// Lines is how many of the last log lines logs returns,
	// 1-MaxLogLines; 0 means DefaultLogLines.
	Lines int `json:"lines,omitempty"`
	// Tag is copied into the BulkEvents of restart_all and stop_all so the
	// caller can tell its own run's progress from another's; at most
	// MaxTagLen bytes, for example the interaction id.
	Tag string `json:"tag,omitempty"`
	// Password is the password protected_info checks, at most
	// MaxPasswordLen characters. Callers must not log it.
	Password string `json:"password,omitempty"`
}

// ContainerInfo describes one container as list, inspect and StateEvent
// show it: Docker's state with the container's settings and labels
// applied (settings win over labels).
type ContainerInfo struct {
	// Container is the reference to pass as Args.Container: "name", or
	// "endpoint/name" when more than one endpoint is configured.
	Container string `json:"container"`
	// Endpoint is the name of the Docker endpoint the container is on.
	Endpoint string `json:"endpoint"`
	// Name is the container's Docker name, without the leading slash.
	Name string `json:"name"`
	// DisplayName is the name to show people: the settings' display_name,
	// else the ddc.name label, else Name.
	DisplayName string `json:"display_name"`
	// ID is the container's full (64 hex digits) id. A container removed
	// and created again under the same name gets a new ID.
	ID string `json:"id"`
	// Image is the image reference the container was created from.
	Image string `json:"image"`
	// State is Docker's state, or StateUnknown while Reachable is false.
	State State `json:"state"`
	// Health is the health check's result; HealthNone without a check,
	// while not running, and while unreachable.
	Health Health `json:"health,omitempty"`
	// ExitCode is the exit code of the container's last exit (137: killed,
	// for example by a stop that timed out); 0 after a start.
	ExitCode int `json:"exit_code"`
	// StartedAt is when the current run started (UTC); zero unless State is
	// running or paused. Compute uptime from it: UptimeSeconds is only
	// right at the moment of the answer.
	StartedAt time.Time `json:"started_at,omitzero"`
	// UptimeSeconds is the whole seconds since StartedAt when the answer
	// was made, while running; 0 otherwise.
	UptimeSeconds int64 `json:"uptime_seconds"`
	// Reachable is false while the container's endpoint cannot be reached;
	// State is then StateUnknown.
	Reachable bool `json:"reachable"`
	// Actions are the ops allowed on this container, in configured order;
	// empty (never nil) when none is. Show only these controls.
	Actions []Op `json:"actions"`
	// Protected containers cannot be stopped or restarted (through Discord
	// or any plugin); starting them is allowed. DDC's own container always
	// is; restart_all and stop_all skip them.
	Protected bool `json:"protected"`
	// ShowStats is false when the settings hide this container's CPU,
	// memory and uptime; ActionStats then refuses it with sdk.ErrPermission.
	ShowStats bool `json:"show_stats"`
	// Order sorts containers, lowest first (settings order, else the
	// ddc.order label, else 1000); ties are sorted by DisplayName (case
	// insensitive), then Container. See Compare.
	Order int `json:"order"`
	// HasInfo is true when the container has info text or an address to
	// show (ActionInspect returns them in Info and IPPort).
	HasInfo bool `json:"has_info,omitempty"`
	// HasProtectedInfo is true when the container has information behind
	// a password: ActionProtectedInfo returns it for the right password.
	HasProtectedInfo bool `json:"has_protected_info,omitempty"`

	// Info is the info text (settings info, else the ddc.info label);
	// ActionInspect only.
	Info string `json:"info,omitempty"`
	// IPPort is the address to show with the info, as configured (for
	// example "game.example.com:25565"); ActionInspect only.
	IPPort string `json:"ip_port,omitempty"`
	// RestartCount is how often Docker's restart policy restarted the
	// container; ActionInspect only.
	RestartCount int `json:"restart_count,omitzero"`
	// Created is when the container was created (UTC); ActionInspect only.
	Created time.Time `json:"created,omitzero"`
}

// Can reports whether op is among c's allowed actions. It does not look at
// protection: see Allows.
func (c ContainerInfo) Can(op Op) bool {
	for _, a := range c.Actions {
		if a == op {
			return true
		}
	}
	return false
}

// Allows reports whether the containers plugin would run op on c now:
// allowed, not stop or restart of a protected container, and reachable.
// Use it to choose which controls to show; the plugin checks again.
func (c ContainerInfo) Allows(op Op) bool {
	if !c.Can(op) || !c.Reachable {
		return false
	}
	return !c.Protected || (op != OpStop && op != OpRestart)
}

// Compare orders containers as ActionList does: by Order, then by
// DisplayName ignoring case, then by Container. It returns a negative
// number when a comes first, for slices.SortFunc.
func Compare(a, b ContainerInfo) int {
	if c := cmp.Compare(a.Order, b.Order); c != 0 {
		return c
	}
	if c := strings.Compare(strings.ToLower(a.DisplayName), strings.ToLower(b.DisplayName)); c != 0 {
		return c
	}
	return strings.Compare(a.Container, b.Container)
}

// EndpointStatus says whether one Docker endpoint can be reached.
type EndpointStatus struct {
	// Endpoint is the endpoint's name.
	Endpoint string `json:"endpoint"`
	// Reachable is true when the plugin follows the endpoint's events and
	// has read its containers; false while it cannot (its containers are
	// then StateUnknown) and before the first connection.
	Reachable bool `json:"reachable"`
	// Error says why it is not reachable, as Docker's client put it; empty
	// when Reachable.
	Error string `json:"error,omitempty"`
	// Since is when Reachable last changed (UTC): for an endpoint never
	// reached, when the plugin started trying.
	Since time.Time `json:"since,omitzero"`
}

// ListResult is the result of ActionList.
type ListResult struct {
	// Containers are the visible containers of every endpoint, sorted as
	// Compare sorts them. Containers of an unreachable endpoint that were
	// seen before are listed with StateUnknown; those of an endpoint never
	// reached are not listed.
	Containers []ContainerInfo `json:"containers"`
	// Endpoints are every configured endpoint, in configured order.
	Endpoints []EndpointStatus `json:"endpoints"`
	// Unreachable names the endpoints whose Reachable is false, in
	// configured order.
	Unreachable []string `json:"unreachable,omitempty"`
	// Missing names containers that have settings ("name" or
	// "endpoint/name" keys) but that no reachable endpoint has (removed or
	// renamed): they are inactive; their settings are kept for when they
	// come back.
	Missing []string `json:"missing,omitempty"`
	// Run identifies the containers plugin's run that answered; it changes
	// when the plugin restarts. Events carry it too.
	Run string `json:"run"`
	// Seq is the Seq of the last event published before the list was
	// read: events with this Run and a Seq up to Seq are already in it.
	Seq uint64 `json:"seq"`
}

// ActionResult is the real outcome of start, stop or restart: the plugin
// waits for Docker's event that confirms it.
type ActionResult struct {
	// Container is the reference of the container acted on.
	Container string `json:"container"`
	// Action is the op: start, stop or restart.
	Action Op `json:"action"`
	// OK is true when the container reached the wanted state and stayed
	// there (for start and restart: through the start check, default 2 s).
	OK bool `json:"ok"`
	// Changed is false when the container already was in the wanted state
	// and nothing was done.
	Changed bool `json:"changed"`
	// State is the container's state afterwards.
	State State `json:"state"`
	// ExitCode is the exit code when the container exited (after stop, or
	// when it exited during the start check).
	ExitCode int `json:"exit_code"`
	// Detail describes the outcome for people, in English: "restarted in
	// 1.2 s", "web is already running".
	Detail string `json:"detail"`
	// DurationMS is how long the action took, in milliseconds.
	DurationMS int64 `json:"duration_ms"`
	// Skipped says why restart_all or stop_all left the container alone:
	// "endpoint unreachable", "protected", "restart not allowed", "not
	// running". Empty for single actions.
	Skipped string `json:"skipped,omitempty"`
	// Error is the user message of a container that failed in restart_all
	// or stop_all (single actions return an error instead).
	Error string `json:"error,omitempty"`
	// Protected marks a protected container (restart_all and stop_all
	// skip it).
	Protected bool `json:"protected,omitempty"`
}

// BulkResult is the result of restart_all and stop_all.
type BulkResult struct {
	// Results has one entry per visible container, in list order,
	// including the skipped ones.
	Results []ActionResult `json:"results"`
}

// ProtectedInfoResult is the result of ActionProtectedInfo, given only
// for the right password. Show it to the user who typed it and nobody
// else (an ephemeral reply).
type ProtectedInfoResult struct {
	// Container is the reference of the container.
	Container string `json:"container"`
	// DisplayName is the container's name to show people.
	DisplayName string `json:"display_name"`
	// Text is the protected info, as configured.
	Text string `json:"text"`
}

// LogsResult is the result of ActionLogs.
type LogsResult struct {
	// Container is the reference of the container.
	Container string `json:"container"`
	// Lines are the last lines of its standard output and error, oldest
	// first, each starting with Docker's RFC 3339 timestamp and a space,
	// without the line end. Secrets in them are not masked.
	Lines []string `json:"lines"`
}

// StatsResult is the result of ActionStats: one sample.
type StatsResult struct {
	// Container is the reference of the container.
	Container string `json:"container"`
	// Running is false when the container is not running; the other fields
	// are then zero.
	Running bool `json:"running"`
	// CPUPercent is CPU use in percent of one core (100 = one full core;
	// up to 100 × cores).
	CPUPercent float64 `json:"cpu_percent"`
	// MemoryBytes is memory used in bytes, page cache excluded (as
	// docker stats shows it).
	MemoryBytes uint64 `json:"memory_bytes"`
	// MemoryLimit is the container's memory limit in bytes, or the host's
	// memory when it has none.
	MemoryLimit uint64 `json:"memory_limit"`
}
