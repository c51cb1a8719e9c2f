package scheduler_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/ddc-go/ddc/sdk"
)

// TestCommandLevels: changing subcommands need the control level, looking
// ones the view level; the host checks them.
func TestCommandLevels(t *testing.T) {
	e := start(t, newClock(at("2024-05-10 09:00")), options{})
	cmds := e.h.Manifest.Commands
	if len(cmds) != 1 || cmds[0].Name != "task" || cmds[0].Level != sdk.LevelView {
		t.Fatalf("commands %+v, want /task at view level", cmds)
	}
	want := map[string]sdk.Level{"add": sdk.LevelControl, "list": sdk.LevelView, "delete": sdk.LevelControl,
		"pause": sdk.LevelControl, "resume": sdk.LevelControl, "next": sdk.LevelView}
	for _, o := range cmds[0].Options {
		if o.Type != sdk.OptionSubcommand || o.Level != want[o.Name] {
			t.Errorf("subcommand %s: type %d level %s, want level %s", o.Name, o.Type, o.Level, want[o.Name])
		}
		delete(want, o.Name)
	}
	if len(want) > 0 {
		t.Errorf("subcommands missing: %v", want)
	}
}

// TestTaskCommands: /task add, list, next, pause, resume and delete in
// English and German.
func TestTaskCommands(t *testing.T) {
	e := start(t, newClock(at("2024-05-10 09:00")), options{})
	ctx := context.Background()
	control := interaction(sdk.LevelControl, "en-US")
	resp, err := e.h.Command(ctx, control, "task add", str("container", "web"), str("action", "restart"), str("schedule", "weekly"),
		str("time", "6:30"), str("weekdays", "mon-fri"), str("timezone", "europe/berlin"))
	if err != nil {
		t.Fatal(err)
	}
	text := resp.Message.Content
	if !strings.Contains(text, "created: restart **web** every Monday to Friday at 06:30 (Europe/Berlin)") ||
		!strings.Contains(text, "Next run: 2024-05-13 06:30 CEST (<t:1715574600:R>)") || resp.Message.Ephemeral {
		t.Fatalf("/task add answered %q (ephemeral %v)", text, resp.Message.Ephemeral)
	}
	id := strings.Split(strings.Split(text, "`")[1], "`")[0]

	resp, err = e.h.Command(ctx, interaction(sdk.LevelControl, "de"), "task add", str("container", "db"), str("action", "stop"),
		str("schedule", "monthly"), str("day", "letzter"), str("time", "23:00"))
	if err != nil || !strings.Contains(resp.Message.Content, "am letzten Tag jedes Monats um 23:00 (UTC)") {
		t.Fatalf("/task add in German: %v, %+v", err, resp)
	}

	// Bad input comes back as an ephemeral reply naming the option.
	resp, err = e.h.Command(ctx, control, "task add", str("container", "web"), str("action", "restart"), str("schedule", "daily"))
	if err != nil || !resp.Message.Ephemeral || resp.Message.Content != "time: a daily schedule needs it" {
		t.Errorf("/task add without a time: %v, %+v; want the option named", err, resp)
	}
	resp, err = e.h.Command(ctx, control, "task add", str("container", "web"), str("action", "restart"), str("schedule", "monthly"), str("time", "04:00"), str("day", "32nd"))
	if err != nil || !strings.HasPrefix(resp.Message.Content, "day: must be a day of the month") {
		t.Errorf("/task add with day 32nd: %v, %+v", err, resp)
	}

	resp, err = e.h.Command(ctx, interaction(sdk.LevelView, "en-US"), "task list")
	if err != nil || !resp.Message.Ephemeral || !strings.Contains(resp.Message.Content, "2 tasks:") || !strings.Contains(resp.Message.Content, id) {
		t.Errorf("/task list: %v, %+v", err, resp)
	}
	resp, err = e.h.Command(ctx, interaction(sdk.LevelView, "en-US"), "task next")
	if err != nil || !strings.Contains(resp.Message.Content, "The next 5 runs:") || strings.Count(resp.Message.Content, "`"+id+"`") != 5 {
		t.Errorf("/task next: %v, %q", err, resp.Message.Content)
	}
	resp, err = e.h.Command(ctx, control, "task pause", str("task", id))
	if err != nil || !strings.Contains(resp.Message.Content, "paused") || !strings.Contains(resp.Message.Content, "will not run") {
		t.Errorf("/task pause: %v, %+v", err, resp)
	}
	resp, err = e.h.Command(ctx, control, "task resume", str("task", id))
	if err != nil || !strings.Contains(resp.Message.Content, "resumed") || !strings.Contains(resp.Message.Content, "Next run:") {
		t.Errorf("/task resume: %v, %+v", err, resp)
	}
	resp, err = e.h.Command(ctx, control, "task delete", str("task", id))
	if err != nil || !strings.Contains(resp.Message.Content, "deleted") {
		t.Errorf("/task delete: %v, %+v", err, resp)
	}
	resp, err = e.h.Command(ctx, control, "task delete", str("task", id))
	if err != nil || !resp.Message.Ephemeral || resp.Message.Content != "there is no task "+id {
		t.Errorf("/task delete of a deleted task: %v, %+v", err, resp)
	}
	var audited []string
	for _, a := range e.h.Host.Audits() {
		if strings.HasPrefix(a.Action, "scheduler.") && a.UserName == "olga" {
			audited = append(audited, a.Action)
		}
	}
	if want := []string{"scheduler.create", "scheduler.create", "scheduler.pause", "scheduler.resume", "scheduler.delete"}; !slices.Equal(audited, want) {
		t.Errorf("audited %v, want %v", audited, want)
	}
}

// TestAutocomplete offers containers, time zones, days and tasks.
func TestAutocomplete(t *testing.T) {
	e := start(t, newClock(at("2024-05-10 09:00")), options{settings: map[string]any{"timezone": "Europe/Vienna"}})
	id := e.mustCreate(daily("cache", "04:00", "UTC")).Task.ID
	ctx := context.Background()
	in := interaction(sdk.LevelControl, "en-US")
	tests := []struct {
		cmd, option, typed string
		want               string // the first choice's value
	}{
		{"task add", "container", "ca", "cache"},
		{"task add", "timezone", "", "Europe/Vienna"},
		{"task add", "timezone", "new_y", "America/New_York"},
		{"task add", "day", "l", "last"},
		{"task add", "day", "3", "3"},
		{"task delete", "task", "cach", id},
	}
	for _, tt := range tests {
		choices, err := e.h.Autocomplete(ctx, in, tt.cmd, sdk.OptionValue{Name: tt.option, Type: sdk.OptionString, Value: tt.typed, Focused: true})
		if err != nil || len(choices) == 0 || choices[0].Value != tt.want || len(choices) > 25 {
			t.Errorf("autocomplete %s %s %q = %+v, %v; want %s first", tt.cmd, tt.option, tt.typed, choices, err, tt.want)
		}
	}
}
