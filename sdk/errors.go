package sdk

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ddc-go/ddc/sdk/internal/wire"
)

// Sentinel errors. They cross the process boundary as gRPC status codes, so
// errors.Is works on errors returned by Host methods and by the host's calls
// into plugins.
var (
	// ErrNotFound: the thing asked for does not exist ("not found").
	ErrNotFound = wire.ErrNotFound
	// ErrPermission: the caller may not do this ("permission denied").
	ErrPermission = wire.ErrPermission
	// ErrInvalid: the input is wrong ("invalid argument").
	ErrInvalid = wire.ErrInvalid
	// ErrBusy: the thing is busy with another operation; try again later
	// ("busy").
	ErrBusy = wire.ErrBusy
	// ErrUnavailable: something the operation needs cannot be reached
	// ("unavailable").
	ErrUnavailable = wire.ErrUnavailable
	// ErrUnsupported: the plugin or host does not implement this ("not
	// supported").
	ErrUnsupported = wire.ErrUnsupported
	// ErrTimeout: the operation did not finish in time ("timed out").
	ErrTimeout = wire.ErrTimeout
)

// UserError is an error whose message is meant for the Discord user or web
// page. Its cause, if any, is logged but not shown. A handler that returns a
// UserError gets its message shown as an ephemeral reply; other errors are
// shown as a short apology and logged.
type UserError struct {
	Msg string // Msg is shown to the user.
	Err error  // Err is the cause, for errors.Is and the log.
}

// Error returns the user message and the cause, without repeating text the
// message already holds (Errorf) or the cause already holds (an error that
// came over the wire).
func (e *UserError) Error() string {
	if e.Err == nil {
		return e.Msg
	}
	cause := e.Err.Error()
	switch {
	case strings.HasSuffix(e.Msg, cause):
		return e.Msg
	case strings.HasPrefix(cause, e.Msg):
		return cause
	}
	return e.Msg + ": " + cause
}

// Unwrap returns the cause.
func (e *UserError) Unwrap() error { return e.Err }

// Errorf returns a UserError with a message formatted like fmt.Errorf. The
// whole message is shown to the user; a %w verb also sets the cause for
// errors.Is, so wrap only sentinels or errors whose text may be shown.
func Errorf(format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	ue := &UserError{Msg: err.Error()}
	switch err.(type) {
	case interface{ Unwrap() error }, interface{ Unwrap() []error }:
		// err matches every %w operand with errors.Is; its text is Msg.
		ue.Err = err
	}
	return ue
}

// UserMessage returns the message to show a user for err: the message of the
// UserError in its chain, if any.
func UserMessage(err error) (string, bool) {
	var ue *UserError
	if errors.As(err, &ue) {
		return ue.Msg, true
	}
	return "", false
}
