// Command faultplugin is a DDC plugin that misbehaves on request, for the
// plugin host's fault-injection tests. Flags choose the fault.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ddc-go/ddc/sdk"
)

type plugin struct {
	id, cmd, mode, calls, subscribe string
	settingsFile                    string
	host                            sdk.Host
	events                          atomic.Int64 // events seen in count-events mode
}

// Configure writes the settings it receives to --settings-file, and the
// host's default language to the same path + ".lang", so tests can see
// what the host pushed.
func (p *plugin) Configure(ctx context.Context, settings json.RawMessage) error {
	if p.settingsFile == "" {
		return nil
	}
	for file, content := range map[string][]byte{p.settingsFile: settings, p.settingsFile + ".lang": []byte(sdk.DefaultLocale(ctx))} {
		tmp := file + ".tmp"
		if err := os.WriteFile(tmp, content, 0o600); err != nil {
			return err
		}
		if err := os.Rename(tmp, file); err != nil {
			return err
		}
	}
	return nil
}

func (p *plugin) Info() sdk.Info {
	info := sdk.Info{
		ID: p.id, Name: "Fault " + p.id, Version: "1.0.0",
		Commands: []sdk.Command{{Name: p.cmd, Description: "Misbehave on request"}},
		Provides: []string{p.id + ".ping"},
	}
	if p.mode == "bad-manifest" {
		info.Commands = append(info.Commands, sdk.Command{Name: "Bad Name!", Description: ""})
	}
	if p.mode == "wrong-id" {
		info.ID = "someone-else"
	}
	if p.calls != "" {
		info.Calls = []string{p.calls}
	}
	if p.subscribe != "" {
		info.Subscribes = []string{p.subscribe}
	}
	return info
}

// SetHost keeps the host; Serve calls it before anything else.
func (p *plugin) SetHost(h sdk.Host) { p.host = h }

func (p *plugin) Start(_ context.Context, h sdk.Host) error {
	if p.mode == "grandchild" {
		child := exec.Command("sleep", "1000")
		if err := child.Start(); err != nil {
			return err
		}
		if err := h.KV().Put(context.Background(), "grandchild", []byte(strconv.Itoa(child.Process.Pid))); err != nil {
			return err
		}
	}
	return nil
}

func (p *plugin) HandleCommand(ctx context.Context, req *sdk.CommandRequest) (*sdk.Response, error) {
	switch req.String("do") {
	case "crash":
		go func() { panic("fault plugin: crash requested") }()
		time.Sleep(time.Second)
	case "panic":
		panic("fault plugin: handler panic requested")
	case "hang":
		select {}
	case "sleep":
		select {
		case <-time.After(5 * time.Second):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	case "env":
		return sdk.Reply(strings.Join(os.Environ(), "\n")), nil
	case "invoke":
		var out map[string]string
		if err := p.host.Invoke(ctx, req.String("action"), map[string]string{"text": "via " + p.id}, &out); err != nil {
			return nil, err
		}
		return sdk.Reply(out["text"]), nil
	case "kv-get": // one Host API call back, read only
		v, _, err := p.host.KV().Get(ctx, "bench")
		if err != nil {
			return nil, err
		}
		return sdk.Reply("got " + string(v)), nil
	case "kv-put": // one Host API call back that writes the store
		if err := p.host.KV().Put(ctx, "bench", []byte(req.String("value"))); err != nil {
			return nil, err
		}
	case "events": // how many events count-events mode has seen
		return sdk.Reply(strconv.FormatInt(p.events.Load(), 10)), nil
	case "sever": // cut the Host API connection and remove its socket
		n, err := sever(ctx)
		if err != nil {
			return nil, err
		}
		return sdk.Reply("severed " + strconv.Itoa(n)), nil
	}
	return sdk.Reply("ok from " + p.id), nil
}

func (p *plugin) HandleEvent(ctx context.Context, ev sdk.Event) error {
	if p.mode == "count-events" {
		p.events.Add(1)
		return nil
	}
	n := 0
	if raw, ok, _ := p.host.KV().Get(ctx, "events"); ok {
		n, _ = strconv.Atoi(string(raw))
	}
	if p.mode == "slow-events" {
		time.Sleep(200 * time.Millisecond)
	}
	return p.host.KV().Put(ctx, "events", []byte(strconv.Itoa(n+1)))
}

func (p *plugin) Invoke(_ context.Context, req *sdk.InvokeRequest) (json.RawMessage, error) {
	return json.Marshal(map[string]string{"text": "pong from " + p.id, "caller": req.Caller})
}

func main() {
	p := &plugin{}
	flag.StringVar(&p.id, "id", "fault", "plugin id")
	flag.StringVar(&p.cmd, "cmd", "fault", "command name")
	flag.StringVar(&p.mode, "mode", "", "fault: stdout, slow-start, exit-at-start, bad-manifest, wrong-id, grandchild, slow-events, count-events")
	flag.StringVar(&p.calls, "calls", "", "action the plugin may call")
	flag.StringVar(&p.subscribe, "subscribe", "", "topic to subscribe to")
	flag.StringVar(&p.settingsFile, "settings-file", "", "file to write the settings from each Configure to")
	flag.Parse()
	switch p.mode {
	case "stdout":
		fmt.Println("hello from a careless plugin")
	case "slow-start":
		time.Sleep(time.Minute)
	case "exit-at-start":
		fmt.Fprintln(os.Stderr, "fatal: cannot start, exiting")
		os.Exit(1)
	}
	if err := sdk.Serve(p); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
