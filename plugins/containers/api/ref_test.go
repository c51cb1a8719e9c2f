package api_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ddc-go/ddc/plugins/containers/api"
)

func TestParseRef(t *testing.T) {
	tests := []struct {
		in      string
		want    api.Ref
		wantErr string
	}{
		{in: "web", want: api.Ref{Name: "web"}},
		{in: "local/web_1.a-b", want: api.Ref{Endpoint: "local", Name: "web_1.a-b"}},
		{in: "", wantErr: "empty"},
		{in: "   ", wantErr: "empty"},
		{in: strings.Repeat("a", 1000), wantErr: "too long (1000 characters"},
		{in: "a/b/c", wantErr: "more than one '/'"},
		{in: "/web", wantErr: "endpoint name is empty"},
		{in: "web..x", wantErr: `".."`},
		{in: "../etc", wantErr: `".."`},
		{in: "web;rm -rf /", wantErr: `";"`},
		{in: "web$(id)", wantErr: `"$"`},
		{in: "web`id`", wantErr: "\"`\""},
		{in: "web|cat", wantErr: `"|"`},
		{in: "web&x", wantErr: `"&"`},
		{in: `web"}`, wantErr: `"\""`},
		{in: "web{x}", wantErr: `"{"`},
		{in: "web\\x", wantErr: `"\\"`},
		{in: "web\nx", wantErr: "U+000A"},
		{in: "web\x00", wantErr: "U+0000"},
		{in: "wéb", wantErr: "U+00E9"},
		{in: "web\u200b", wantErr: "U+200B"},
		{in: "web🐳", wantErr: "U+1F433"},
		{in: "w", wantErr: "at least 2 characters"},
		{in: "-web", wantErr: "must start with a letter or digit"},
		{in: "local/", wantErr: "at least 2 characters"},
	}
	for _, tt := range tests {
		name := tt.in
		if len(name) > 20 {
			name = name[:20]
		}
		t.Run(name, func(t *testing.T) {
			got, err := api.ParseRef(tt.in)
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Fatalf("ParseRef(%q) = %+v, %v, want %+v", tt.in, got, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ParseRef(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

// TestRefErrorProblem: a refusal says what is wrong in its fields too, so a
// plugin can say it in the user's language.
func TestRefErrorProblem(t *testing.T) {
	tests := []struct {
		in   string
		want api.RefError
	}{
		{"", api.RefError{Problem: api.RefEmpty}},
		{strings.Repeat("é", 200), api.RefError{Problem: api.RefTooLong, Value: strings.Repeat("é", 200), Len: 200, Max: api.MaxRefLen}},
		{"web\xff", api.RefError{Problem: api.RefNotUTF8, Value: "web\xff"}},
		{"web;x", api.RefError{Problem: api.RefBadChar, Value: "web;x", Char: ';'}},
		{"../etc", api.RefError{Problem: api.RefDotDot, Value: "../etc"}},
		{"a/b/c", api.RefError{Problem: api.RefSlashes, Value: "a/b/c"}},
		{"local/w", api.RefError{Problem: api.RefBadName, Value: "w"}},
		{"/web", api.RefError{Problem: api.EndpointEmpty}},
		{"-x/web", api.RefError{Problem: api.EndpointBadForm, Value: "-x"}},
	}
	for _, tt := range tests {
		_, err := api.ParseRef(tt.in)
		var re *api.RefError
		if !errors.As(err, &re) || *re != tt.want {
			t.Errorf("ParseRef(%q) error = %#v, want %#v", tt.in, err, tt.want)
		}
	}
	err := api.ValidEndpointName("a b")
	var re *api.RefError
	if !errors.As(err, &re) || re.Problem != api.EndpointBadChar || re.Char != ' ' {
		t.Errorf("ValidEndpointName(%q) error = %#v, want EndpointBadChar ' '", "a b", err)
	}
}
