package api

// State is a container's state: one of Docker's (created, running, paused,
// restarting, removing, exited, dead) or one the plugin adds (unknown,
// removed).
type State string

// Container states.
const (
	StateCreated    State = "created"    // StateCreated: created, never started.
	StateRunning    State = "running"    // StateRunning: running.
	StatePaused     State = "paused"     // StatePaused: paused (docker pause).
	StateRestarting State = "restarting" // StateRestarting: Docker's restart policy is restarting it.
	StateRemoving   State = "removing"   // StateRemoving: being removed.
	StateExited     State = "exited"     // StateExited: stopped; ExitCode says how it ended.
	StateDead       State = "dead"       // StateDead: Docker failed to remove it.
	// StateUnknown is the state of a container whose endpoint is
	// unreachable: it may be running or not. Show it as unknown, not
	// stopped.
	StateUnknown State = "unknown"
	// StateRemoved is sent once, in a StateEvent, when a container was
	// removed; it is never in a list.
	StateRemoved State = "removed"
)

// Up reports whether s counts as running for stop: running, paused or
// restarting. Stopping a container that is not up changes nothing.
func (s State) Up() bool {
	return s == StateRunning || s == StatePaused || s == StateRestarting
}

// Health is the result of a container's health check.
type Health string

// Health check results.
const (
	HealthNone      Health = ""          // HealthNone: the container has no health check, or is not running.
	HealthStarting  Health = "starting"  // HealthStarting: started, no check has passed yet.
	HealthHealthy   Health = "healthy"   // HealthHealthy: the last checks passed.
	HealthUnhealthy Health = "unhealthy" // HealthUnhealthy: the last checks failed.
)

// Op is something a user may do to one container. A container's allowed
// ops (ContainerInfo.Actions) come from its ddc.actions label or its
// settings; the default is all four.
type Op string

// Container operations.
const (
	OpStart   Op = "start"   // OpStart starts a container (ActionStart).
	OpStop    Op = "stop"    // OpStop stops a container (ActionStop).
	OpRestart Op = "restart" // OpRestart restarts a container (ActionRestart).
	OpLogs    Op = "logs"    // OpLogs reads a container's logs (ActionLogs).
)

// Ops returns every Op, in the order of the default allowed list.
func Ops() []Op { return []Op{OpStart, OpStop, OpRestart, OpLogs} }

// Valid reports whether o is one of the four ops.
func (o Op) Valid() bool {
	switch o {
	case OpStart, OpStop, OpRestart, OpLogs:
		return true
	}
	return false
}

// Changes reports whether o changes the container (start, stop, restart),
// as opposed to only reading it (logs). Changing ops need the control
// level when a Discord user asks, and are audited.
func (o Op) Changes() bool { return o == OpStart || o == OpStop || o == OpRestart }

// Action returns the name of the action that performs o, or "" when o is
// not valid.
func (o Op) Action() string {
	if !o.Valid() {
		return ""
	}
	return PluginID + "." + string(o)
}
