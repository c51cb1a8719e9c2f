package api

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxRefLen is the longest container reference ParseRef accepts, in bytes.
const MaxRefLen = 255

// Ref names a container: its endpoint (empty when omitted) and its Docker
// name. Its String form is what Args.Container takes.
type Ref struct {
	Endpoint string // Endpoint is the endpoint name, or "" when not given.
	Name     string // Name is the container's Docker name, without a slash.
}

// String returns "endpoint/name", or the name alone when no endpoint is set.
func (r Ref) String() string {
	if r.Endpoint == "" {
		return r.Name
	}
	return r.Endpoint + "/" + r.Name
}

// ParseRef validates s, a container reference such as "web" or
// "local/web", without talking to Docker. Names follow Docker's rule
// [a-zA-Z0-9][a-zA-Z0-9_.-]+; endpoint names use the same characters and
// may be one character long. Anything else (empty, longer than MaxRefLen
// bytes, more than one '/', "..", shell or JSON metacharacters, control
// characters, other unicode) is refused with a *RefError whose text says
// what is wrong and can be shown to the user as it is (its fields let a
// plugin say it in the user's language). The containers plugin refuses
// the same references with sdk.ErrInvalid.
func ParseRef(s string) (Ref, error) {
	if strings.TrimSpace(s) == "" {
		return Ref{}, &RefError{Problem: RefEmpty, Value: s}
	}
	if len(s) > MaxRefLen {
		return Ref{}, &RefError{Problem: RefTooLong, Value: s, Len: utf8.RuneCountInString(s), Max: MaxRefLen}
	}
	if !utf8.ValidString(s) {
		return Ref{}, &RefError{Problem: RefNotUTF8, Value: s}
	}
	for _, r := range s {
		if !nameRune(r) && r != '/' {
			return Ref{}, &RefError{Problem: RefBadChar, Value: s, Char: r}
		}
	}
	if strings.Contains(s, "..") {
		return Ref{}, &RefError{Problem: RefDotDot, Value: s}
	}
	if strings.Count(s, "/") > 1 {
		return Ref{}, &RefError{Problem: RefSlashes, Value: s}
	}
	var r Ref
	if ep, name, ok := strings.Cut(s, "/"); ok {
		r = Ref{Endpoint: ep, Name: name}
		if err := ValidEndpointName(ep); err != nil {
			return Ref{}, err
		}
	} else {
		r.Name = s
	}
	if !validName(r.Name) {
		return Ref{}, &RefError{Problem: RefBadName, Value: r.Name}
	}
	return r, nil
}

// ValidEndpointName returns a *RefError, whose text can be shown to the
// user, when name cannot name an endpoint: an endpoint name is 1-64 of
// [a-zA-Z0-9_.-], starting with a letter or digit.
func ValidEndpointName(name string) error {
	if name == "" {
		return &RefError{Problem: EndpointEmpty}
	}
	if len(name) > 64 || !alnum(rune(name[0])) {
		return &RefError{Problem: EndpointBadForm, Value: name}
	}
	for _, r := range name {
		if !nameRune(r) {
			return &RefError{Problem: EndpointBadChar, Value: name, Char: r}
		}
	}
	return nil
}

// RefProblem says what is wrong with a container reference or an endpoint
// name.
type RefProblem string

// What ParseRef and ValidEndpointName refuse.
const (
	RefEmpty        RefProblem = "empty"             // RefEmpty: the reference is empty or blank.
	RefTooLong      RefProblem = "too_long"          // RefTooLong: longer than MaxRefLen bytes (Len characters).
	RefNotUTF8      RefProblem = "not_utf8"          // RefNotUTF8: not valid UTF-8.
	RefBadChar      RefProblem = "bad_char"          // RefBadChar: holds Char, which no name may hold.
	RefDotDot       RefProblem = "dot_dot"           // RefDotDot: holds "..".
	RefSlashes      RefProblem = "slashes"           // RefSlashes: more than one '/'.
	RefBadName      RefProblem = "bad_name"          // RefBadName: Value is too short or does not start with a letter or digit.
	EndpointEmpty   RefProblem = "endpoint_empty"    // EndpointEmpty: the endpoint name is empty ("/web").
	EndpointBadForm RefProblem = "endpoint_bad_form" // EndpointBadForm: the endpoint name is too long or does not start with a letter or digit.
	EndpointBadChar RefProblem = "endpoint_bad_char" // EndpointBadChar: the endpoint name holds Char.
)

// RefError is a refused container reference or endpoint name. Its Error
// text is English and can be shown to the user as it is; a plugin that
// speaks the user's language builds its own from Problem and the values.
type RefError struct {
	// Problem says what is wrong.
	Problem RefProblem
	// Value is what was refused: the reference, or the endpoint or
	// container name within it.
	Value string
	// Char is the character refused (RefBadChar, EndpointBadChar).
	Char rune
	// Len is the reference's length in characters and Max the most
	// allowed, in bytes (RefTooLong).
	Len, Max int
}

// Error says what is wrong, in English.
func (e *RefError) Error() string {
	switch e.Problem {
	case RefEmpty:
		return "the container name is empty"
	case RefTooLong:
		return fmt.Sprintf("the container name is too long (%d characters, at most %d)", e.Len, e.Max)
	case RefNotUTF8:
		return "the container name is not valid UTF-8"
	case RefBadChar:
		return fmt.Sprintf("the container name %s contains %s, which is not allowed; use letters, digits, '_', '.' and '-'", shorten(e.Value), describeRune(e.Char))
	case RefDotDot:
		return fmt.Sprintf("the container name %s contains \"..\", which is not allowed", shorten(e.Value))
	case RefSlashes:
		return fmt.Sprintf("the container name %s has more than one '/'; write endpoint/name", shorten(e.Value))
	case RefBadName:
		return fmt.Sprintf("%s is not a Docker container name: it must start with a letter or digit and be at least 2 characters long", shorten(e.Value))
	case EndpointEmpty:
		return "the endpoint name is empty"
	case EndpointBadForm:
		return fmt.Sprintf("the endpoint name %s must be 1-64 letters, digits, '_', '.' or '-' starting with a letter or digit", shorten(e.Value))
	case EndpointBadChar:
		return fmt.Sprintf("the endpoint name %s contains %s, which is not allowed", shorten(e.Value), describeRune(e.Char))
	}
	return fmt.Sprintf("the container name %s is not valid", shorten(e.Value))
}

// validName reports whether s matches Docker's [a-zA-Z0-9][a-zA-Z0-9_.-]+.
func validName(s string) bool {
	if len(s) < 2 || !alnum(rune(s[0])) {
		return false
	}
	for _, r := range s {
		if !nameRune(r) {
			return false
		}
	}
	return true
}

func alnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

func nameRune(r rune) bool { return alnum(r) || r == '_' || r == '.' || r == '-' }

// describeRune names a refused character so the user can find it, with
// control and invisible characters as code points.
func describeRune(r rune) string {
	if r < 0x20 || r == 0x7f || r > 0x7e {
		return fmt.Sprintf("the character U+%04X", r)
	}
	return fmt.Sprintf("%q", string(r))
}

// shorten quotes s for a message, cut to a readable length.
func shorten(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) > max {
		rs := []rune(s)
		s = string(rs[:max]) + "…"
	}
	return fmt.Sprintf("%q", s)
}
