package settings_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/settings"
)

type channel struct {
	ID       string            `json:"id" jsonschema:"required,pattern=^[0-9]{17\\,20}$"`
	Interval settings.Duration `json:"interval,omitempty" jsonschema_extras:"minDuration=10s,maxDuration=1h"`
}

type panelSettings struct {
	RefreshSeconds int               `json:"refresh_seconds" jsonschema:"minimum=5,maximum=3600"`
	Mode           string            `json:"mode" jsonschema:"enum=compact,enum=full"`
	Title          string            `json:"title" jsonschema:"maxLength=20" jsonschema_description:"Shown above the list, at most 20 characters."`
	Refresh        settings.Duration `json:"refresh" jsonschema_extras:"minDuration=5s,maxDuration=1h"`
	Channels       []channel         `json:"channels,omitempty" jsonschema:"maxItems=3"`
	Limits         struct {
		Max int `json:"max" jsonschema:"minimum=1"`
	} `json:"limits"`
}

func defaults() panelSettings {
	d := panelSettings{RefreshSeconds: 30, Mode: "compact", Title: "Status", Refresh: settings.Duration(time.Minute)}
	d.Limits.Max = 10
	return d
}

func TestSchema(t *testing.T) {
	spec, err := settings.New(defaults())
	if err != nil {
		t.Fatalf("New() error = %v", err)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(spec.Schema()), &doc); err != nil {
		t.Fatalf("Schema() is not JSON: %v\n%s", err, spec.Schema())
	}
	props := doc["properties"].(map[string]any)
	prop := func(path ...string) map[string]any {
		m := props
		for i, p := range path {
			m = m[p].(map[string]any)
			if i < len(path)-1 {
				m = m["properties"].(map[string]any)
			}
		}
		return m
	}
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"unknown fields refused", doc["additionalProperties"], false},
		{"minimum", prop("refresh_seconds")["minimum"], 5.0},
		{"maximum", prop("refresh_seconds")["maximum"], 3600.0},
		{"default from the defaults", prop("refresh_seconds")["default"], 30.0},
		{"enum", prop("mode")["enum"], []any{"compact", "full"}},
		{"description with a comma", prop("title")["description"], "Shown above the list, at most 20 characters."},
		{"duration is a string", prop("refresh")["type"], "string"},
		{"duration keyword", prop("refresh")["goDuration"], true},
		{"duration minimum", prop("refresh")["minDuration"], "5s"},
		{"duration default", prop("refresh")["default"], "1m0s"},
		{"nested default", prop("limits", "max")["default"], 10.0},
		{"nothing required but what is tagged", doc["required"], nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("schema mismatch (-want +got):\n%s\nschema:\n%s", diff, spec.Schema())
			}
		})
	}
	// Struct order is kept, so a form lists fields as the author wrote them.
	s := spec.Schema()
	if i, j := strings.Index(s, `"refresh_seconds"`), strings.Index(s, `"limits"`); i < 0 || j < 0 || i > j {
		t.Errorf("Schema() does not keep the struct's field order:\n%s", s)
	}
}

func TestDecode(t *testing.T) {
	spec := settings.MustNew(defaults())
	want := defaults()
	want.RefreshSeconds = 60
	want.Refresh = settings.Duration(90 * time.Second)
	want.Channels = []channel{{ID: "123456789012345678", Interval: settings.Duration(time.Minute)}}
	got, err := spec.Decode([]byte(`{"refresh_seconds": 60, "refresh": "1m30s", "channels": [{"id": "123456789012345678", "interval": "1m"}]}`))
	if err != nil {
		t.Fatalf("Decode() error = %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Decode() mismatch (-want +got):\n%s", diff)
	}
	for _, raw := range []string{"", "null", "{}", "  "} {
		got, err := spec.Decode([]byte(raw))
		if err != nil || !cmp.Equal(got, defaults()) {
			t.Errorf("Decode(%q) = %+v, %v; want the defaults", raw, got, err)
		}
	}
}

func TestDecodeRefuses(t *testing.T) {
	spec := settings.MustNew(defaults())
	tests := []struct {
		name string
		raw  string
		want []settings.Problem
	}{
		{"below minimum", `{"refresh_seconds": 1}`, []settings.Problem{
			{Path: "refresh_seconds", Pointer: "/refresh_seconds", Message: "must be >= 5, got 1"}}},
		{"above maximum", `{"refresh_seconds": 4000}`, []settings.Problem{
			{Path: "refresh_seconds", Pointer: "/refresh_seconds", Message: "must be <= 3600, got 4000"}}},
		{"not a whole number", `{"refresh_seconds": 2.5}`, []settings.Problem{
			{Path: "refresh_seconds", Pointer: "/refresh_seconds", Message: "must be a whole number, got 2.5"}}},
		{"wrong type", `{"refresh_seconds": "30"}`, []settings.Problem{
			{Path: "refresh_seconds", Pointer: "/refresh_seconds", Message: `must be a whole number, got "30"`}}},
		{"enum", `{"mode": "tiny"}`, []settings.Problem{
			{Path: "mode", Pointer: "/mode", Message: `must be one of "compact", "full", got "tiny"`}}},
		{"too long", `{"title": "a title that is much too long"}`, []settings.Problem{
			{Path: "title", Pointer: "/title", Message: "must be at most 20 characters long, got 29"}}},
		{"unknown field", `{"colour": "red"}`, []settings.Problem{
			{Path: "colour", Pointer: "/colour", Message: "is not a known setting (known: channels, limits, mode, refresh, refresh_seconds, title)"}}},
		{"unitless duration number", `{"refresh": 30}`, []settings.Problem{
			{Path: "refresh", Pointer: "/refresh", Message: `must be a duration with a unit, like "30s", "5m" or "1h30m", got 30`}}},
		{"unitless duration string", `{"refresh": "30"}`, []settings.Problem{
			{Path: "refresh", Pointer: "/refresh", Message: `"30" has no unit: must be a duration with a unit, like "30s", "5m" or "1h30m"`}}},
		{"not a duration", `{"refresh": "soon"}`, []settings.Problem{
			{Path: "refresh", Pointer: "/refresh", Message: `"soon" must be a duration with a unit, like "30s", "5m" or "1h30m"`}}},
		{"duration below minimum", `{"refresh": "1s"}`, []settings.Problem{
			{Path: "refresh", Pointer: "/refresh", Message: "must be at least 5s, got 1s"}}},
		{"duration above maximum", `{"refresh": "2h"}`, []settings.Problem{
			{Path: "refresh", Pointer: "/refresh", Message: "must be at most 1h0m0s, got 2h0m0s"}}},
		{"nested required", `{"channels": [{"interval": "1m"}]}`, []settings.Problem{
			{Path: "channels[0].id", Pointer: "/channels/0/id", Message: "is required"}}},
		{"nested pattern and duration", `{"channels": [{"id": "123456789012345678"}, {"id": "abc", "interval": "1s"}]}`, []settings.Problem{
			{Path: "channels[1].id", Pointer: "/channels/1/id", Message: `must match the pattern ^[0-9]{17,20}$, got "abc"`},
			{Path: "channels[1].interval", Pointer: "/channels/1/interval", Message: "must be at least 10s, got 1s"}}},
		{"too many items", `{"channels": [{"id": "123456789012345678"}, {"id": "123456789012345678"}, {"id": "123456789012345678"}, {"id": "123456789012345678"}]}`, []settings.Problem{
			{Path: "channels", Pointer: "/channels", Message: "must have at most 3 items, got 4"}}},
		{"nested object", `{"limits": {"max": 0}}`, []settings.Problem{
			{Path: "limits.max", Pointer: "/limits/max", Message: "must be >= 1, got 0"}}},
		{"every problem at once", `{"refresh_seconds": 1, "mode": "tiny", "extra": true}`, []settings.Problem{
			{Path: "extra", Pointer: "/extra", Message: "is not a known setting (known: channels, limits, mode, refresh, refresh_seconds, title)"},
			{Path: "mode", Pointer: "/mode", Message: `must be one of "compact", "full", got "tiny"`},
			{Path: "refresh_seconds", Pointer: "/refresh_seconds", Message: "must be >= 5, got 1"}}},
		{"not an object", `[1, 2]`, []settings.Problem{
			{Message: "must be an object, got a list"}}},
		{"not JSON", `{"refresh_seconds": `, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := spec.Decode([]byte(tt.raw))
			if err == nil {
				t.Fatalf("Decode(%s) = nil error, want a refusal", tt.raw)
			}
			if !errors.Is(err, sdk.ErrInvalid) {
				t.Errorf("Decode(%s) error %v does not match sdk.ErrInvalid", tt.raw, err)
			}
			got := settings.Problems(err)
			if tt.want == nil {
				if len(got) != 1 || !strings.HasPrefix(got[0].Message, "is not valid JSON") {
					t.Errorf("Decode(%s) problems = %+v, want one saying it is not valid JSON", tt.raw, got)
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Decode(%s) problems mismatch (-want +got):\n%s", tt.raw, diff)
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	spec := settings.MustNew(defaults())
	_, err := spec.Decode([]byte(`{"refresh_seconds": 1, "channels": [{"id": "1"}]}`))
	want := `settings.channels[0].id: must match the pattern ^[0-9]{17,20}$, got "1"; settings.refresh_seconds: must be >= 5, got 1`
	if err == nil || err.Error() != want {
		t.Errorf("Decode() error = %v, want %s", err, want)
	}
	if got := (settings.Problem{Message: "must be an object"}).String(); got != "settings: must be an object" {
		t.Errorf("root Problem.String() = %q", got)
	}
}

func TestDefaultsAreNotShared(t *testing.T) {
	d := defaults()
	d.Channels = []channel{{ID: "123456789012345678"}}
	spec := settings.MustNew(d)
	a, err := spec.Decode([]byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	a.Channels[0].ID = "changed"
	b, err := spec.Decode([]byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if b.Channels[0].ID != "123456789012345678" {
		t.Errorf("a change to one decoded value leaked into the next: %q", b.Channels[0].ID)
	}
}

func TestNewRefuses(t *testing.T) {
	type stdDuration struct {
		Every time.Duration `json:"every"`
	}
	type nested struct {
		Inner struct {
			Every time.Duration `json:"every"`
		} `json:"inner"`
	}
	type badPattern struct {
		Name string `json:"name" jsonschema:"pattern=(["`
	}
	type breaksOwnRule struct {
		N int `json:"n" jsonschema:"minimum=5"`
	}
	tests := []struct {
		name string
		new  func() error
		want string
	}{
		{"not a struct", func() error { _, err := settings.New(42); return err }, "is not a struct"},
		{"time.Duration", func() error { _, err := settings.New(stdDuration{}); return err }, "field Every is a time.Duration"},
		{"nested time.Duration", func() error { _, err := settings.New(nested{}); return err }, "field Inner.Every is a time.Duration"},
		{"bad pattern", func() error { _, err := settings.New(badPattern{}); return err }, "settings schema"},
		{"defaults break the rules", func() error { _, err := settings.New(breaksOwnRule{N: 1}); return err }, "settings.n: must be >= 5, got 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.new(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New() error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// A hand-written schema, as a plugin without typed settings has, and as
// the host sees every plugin's schema.
const handWritten = `{
	"type": "object",
	"properties": {
		"prefix": {"type": "string", "maxLength": 5},
		"every": {"type": "string", "goDuration": true, "minDuration": "1m"},
		"hosts": {"type": "array", "items": {"type": "string", "format": "hostname"}, "uniqueItems": true}
	},
	"required": ["prefix"]
}`

func TestValidatorHandWritten(t *testing.T) {
	v, err := settings.Compile(handWritten)
	if err != nil {
		t.Fatalf("Compile() error = %v", err)
	}
	tests := []struct {
		raw  string
		want []settings.Problem
	}{
		{`{"prefix": ">"}`, nil},
		{`{"prefix": ">", "unknown": 1}`, nil}, // this schema allows more
		{`{}`, []settings.Problem{{Path: "prefix", Pointer: "/prefix", Message: "is required"}}},
		{`{"prefix": "toolong"}`, []settings.Problem{{Path: "prefix", Pointer: "/prefix", Message: "must be at most 5 characters long, got 7"}}},
		{`{"prefix": ">", "every": "30s"}`, []settings.Problem{{Path: "every", Pointer: "/every", Message: "must be at least 1m0s, got 30s"}}},
		{`{"prefix": ">", "every": 60}`, []settings.Problem{{Path: "every", Pointer: "/every", Message: `must be a duration with a unit, like "30s", "5m" or "1h30m", got 60`}}},
		{`{"prefix": ">", "hosts": ["a", "a"]}`, []settings.Problem{{Path: "hosts", Pointer: "/hosts", Message: "must not repeat items: items 0 and 1 are the same"}}},
	}
	for _, tt := range tests {
		err := v.Validate([]byte(tt.raw))
		if diff := cmp.Diff(tt.want, settings.Problems(err)); diff != "" || (tt.want == nil) != (err == nil) {
			t.Errorf("Validate(%s) = %v; problems mismatch (-want +got):\n%s", tt.raw, err, diff)
		}
	}
}

func TestCompileRefuses(t *testing.T) {
	tests := []struct {
		name, schema, want string
	}{
		{"not JSON", `{"type": `, "not JSON"},
		{"invalid schema", `{"type": "thing"}`, "settings schema"},
		{"external reference", `{"$ref": "file:///etc/passwd"}`, "external schema references are not allowed"},
		{"remote reference", `{"properties": {"a": {"$ref": "https://example.invalid/s.json"}}}`, "external schema references are not allowed"},
		{"bad duration bound", `{"properties": {"a": {"type": "string", "goDuration": true, "minDuration": "5"}}}`, "minDuration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := settings.Compile(tt.schema); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Compile(%s) error = %v, want it to contain %q", tt.schema, err, tt.want)
			}
		})
	}
	v, err := settings.Compile("")
	if err != nil {
		t.Fatalf("Compile(\"\") error = %v", err)
	}
	if err := v.Validate([]byte(`{"anything": 1}`)); err != nil {
		t.Errorf("empty schema refused an object: %v", err)
	}
	if err := v.Validate([]byte(`"text"`)); err == nil {
		t.Error("empty schema accepted a string; settings are always an object")
	}
}

func TestDurationJSON(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr string
	}{
		{`"30s"`, 30 * time.Second, ""},
		{`"1h30m"`, 90 * time.Minute, ""},
		{`"0"`, 0, ""},
		{`30`, 0, "must be a duration with a unit"},
		{`"30"`, 0, "has no unit"},
	}
	for _, tt := range tests {
		var d settings.Duration
		err := json.Unmarshal([]byte(tt.in), &d)
		switch {
		case tt.wantErr == "" && (err != nil || time.Duration(d) != tt.want):
			t.Errorf("Unmarshal(%s) = %v, %v; want %v", tt.in, time.Duration(d), err, tt.want)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("Unmarshal(%s) error = %v, want it to contain %q", tt.in, err, tt.wantErr)
		}
	}
	b, err := json.Marshal(settings.Duration(90 * time.Second))
	if err != nil || string(b) != `"1m30s"` {
		t.Errorf("Marshal(90s) = %s, %v; want \"1m30s\"", b, err)
	}
}
