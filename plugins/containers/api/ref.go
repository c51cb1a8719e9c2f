package api

import (
	"errors"
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
// characters, other unicode) is refused with an error whose text says what
// is wrong and can be shown to the user as it is. The containers plugin
// refuses the same references with sdk.ErrInvalid.
func ParseRef(s string) (Ref, error) {
	if strings.TrimSpace(s) == "" {
		return Ref{}, errors.New("the container name is empty")
	}
	if len(s) > MaxRefLen {
		return Ref{}, fmt.Errorf("the container name is too long (%d characters, at most %d)", utf8.RuneCountInString(s), MaxRefLen)
	}
	if !utf8.ValidString(s) {
		return Ref{}, errors.New("the container name is not valid UTF-8")
	}
	for _, r := range s {
		if !nameRune(r) && r != '/' {
			return Ref{}, fmt.Errorf("the container name %s contains %s, which is not allowed; use letters, digits, '_', '.' and '-'", shorten(s), describeRune(r))
		}
	}
	if strings.Contains(s, "..") {
		return Ref{}, fmt.Errorf("the container name %s contains \"..\", which is not allowed", shorten(s))
	}
	if strings.Count(s, "/") > 1 {
		return Ref{}, fmt.Errorf("the container name %s has more than one '/'; write endpoint/name", shorten(s))
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
		return Ref{}, fmt.Errorf("%s is not a Docker container name: it must start with a letter or digit and be at least 2 characters long", shorten(r.Name))
	}
	return r, nil
}

// ValidEndpointName returns an error, whose text can be shown to the user,
// when name cannot name an endpoint: an endpoint name is 1-64 of
// [a-zA-Z0-9_.-], starting with a letter or digit.
func ValidEndpointName(name string) error {
	if name == "" {
		return errors.New("the endpoint name is empty")
	}
	if len(name) > 64 || !alnum(rune(name[0])) {
		return fmt.Errorf("the endpoint name %s must be 1-64 letters, digits, '_', '.' or '-' starting with a letter or digit", shorten(name))
	}
	for _, r := range name {
		if !nameRune(r) {
			return fmt.Errorf("the endpoint name %s contains %s, which is not allowed", shorten(name), describeRune(r))
		}
	}
	return nil
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
