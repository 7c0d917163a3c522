package store

import (
	"errors"
	"fmt"
)

// Code classifies a store error for callers that must tell the user what to
// do (the MCP tools map codes to messages a model can act on).
type Code string

const (
	ENotFound Code = "not_found" // no such id
	EInvalid  Code = "invalid"   // bad input
	EConflict Code = "conflict"  // e.g. a state transition that is not allowed
	ETooLarge Code = "too_large" // over a configured limit
	EInternal Code = "internal"  // anything else
)

// Error is a store error with a code and a message fit to show a user.
type Error struct {
	Code Code
	Msg  string
	Err  error // the cause, if any
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with code and a formatted message.
func Errorf(code Code, format string, a ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, a...)}
}

// ErrorCode returns the code of err: its *Error's code, ETooLarge for the
// decompression guard, else EInternal (nil gives "").
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if errors.Is(err, ErrDecompressLimit) {
		return ETooLarge
	}
	return EInternal
}
