package wire

import (
	"context"
	"errors"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// This file is the one place where errors become gRPC status codes and back.

// The sentinel errors; package sdk re-exports them with their documentation.
var (
	ErrNotFound    = errors.New("not found")
	ErrPermission  = errors.New("permission denied")
	ErrInvalid     = errors.New("invalid argument")
	ErrBusy        = errors.New("busy")
	ErrUnavailable = errors.New("unavailable")
	ErrUnsupported = errors.New("not supported")
	ErrTimeout     = errors.New("timed out")
)

const (
	errorDomain     = "ddc"
	userMessageKind = "USER_MESSAGE"
)

var sentinelCodes = []struct {
	err  error
	code codes.Code
}{
	{ErrNotFound, codes.NotFound},
	{ErrPermission, codes.PermissionDenied},
	{ErrInvalid, codes.InvalidArgument},
	{ErrBusy, codes.FailedPrecondition},
	{ErrUnavailable, codes.Unavailable},
	{ErrUnsupported, codes.Unimplemented},
	{ErrTimeout, codes.DeadlineExceeded},
	{context.DeadlineExceeded, codes.DeadlineExceeded},
	{context.Canceled, codes.Canceled},
}

// UserErrors tells the mapping how the SDK's user-facing errors look,
// without this package importing the SDK.
type UserErrors struct {
	// Message returns the message for the user that err carries, if any.
	Message func(err error) (string, bool)
	// New returns an error carrying msg for the user and cause for
	// errors.Is and the log.
	New func(msg string, cause error) error
}

// ToStatus converts err into a gRPC status error for the wire: sentinels
// become their codes and a user message travels in the details. A status
// error without a user message passes unchanged.
func (u UserErrors) ToStatus(err error) error {
	if err == nil {
		return nil
	}
	msg, hasMsg := u.Message(err)
	if _, ok := status.FromError(err); ok && !hasMsg {
		return err
	}
	code := codes.Unknown
	for _, s := range sentinelCodes {
		if errors.Is(err, s.err) {
			code = s.code
			break
		}
	}
	st := status.New(code, err.Error())
	if hasMsg {
		if withDetails, derr := st.WithDetails(&errdetails.ErrorInfo{
			Reason: userMessageKind, Domain: errorDomain, Metadata: map[string]string{"message": msg},
		}); derr == nil {
			st = withDetails
		}
	}
	return st.Err()
}

// remoteError is an error that came over the wire.
type remoteError struct {
	msg      string
	code     codes.Code
	sentinel error
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.sentinel }

// Is lets a remote deadline or cancellation match context's errors too.
func (e *remoteError) Is(target error) bool {
	return (e.code == codes.DeadlineExceeded && target == context.DeadlineExceeded) ||
		(e.code == codes.Canceled && target == context.Canceled)
}

// FromStatus converts an error returned by a gRPC call back into an error
// that matches the sentinels with errors.Is and carries a user error (made
// by u.New) when the other side sent one. Non-status errors are returned as
// they are.
func (u UserErrors) FromStatus(err error) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	var sentinel error
	for _, s := range sentinelCodes {
		if s.code == st.Code() {
			sentinel = s.err
			break
		}
	}
	re := &remoteError{msg: st.Message(), code: st.Code(), sentinel: sentinel}
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok && info.Domain == errorDomain && info.Reason == userMessageKind {
			return u.New(info.Metadata["message"], re)
		}
	}
	return re
}
