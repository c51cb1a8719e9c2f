// Command faultplugin is a DDC plugin that misbehaves on request, for the
// plugin host's fault-injection tests. Flags choose the fault.
package main

import (
	"context"
	"encoding/json"
	"errors"
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
	capabilities                    string // comma-separated, asked for in Info
	settingsFile                    string
	host                            sdk.Host
	events                          atomic.Int64 // events seen in count-events mode

	// The flood modes (flood-events, flood-kv, flood-audit) wait for
	// startFile to exist, then attack for floodFor and write what happened
	// to reportFile.
	startFile, reportFile string
	size, count           int
	floodFor              time.Duration
}

// floodReport is what a flood mode writes to its report file.
type floodReport struct {
	OK        int64  `json:"ok"`         // calls that succeeded
	Failed    int64  `json:"failed"`     // calls that failed
	Invalid   int64  `json:"invalid"`    // failures matching sdk.ErrInvalid
	FirstErr  string `json:"first_err"`  // the first failure's text
	Finished  bool   `json:"finished"`   // the flood is over
	BytesSent int64  `json:"bytes_sent"` // payload bytes of the successful calls
}

// flood calls op as fast as it can for p.floodFor (at most p.count times
// unless that is 0) once p.startFile exists, rewriting the report file as
// it goes.
func (p *plugin) flood(op func(ctx context.Context, i int) error) {
	for {
		if _, err := os.Stat(p.startFile); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	var rep floodReport
	write := func() {
		raw, _ := json.Marshal(rep)
		tmp := p.reportFile + ".tmp"
		if os.WriteFile(tmp, raw, 0o600) == nil {
			_ = os.Rename(tmp, p.reportFile)
		}
	}
	end := time.Now().Add(p.floodFor)
	lastWrite := time.Now()
	for i := 0; time.Now().Before(end) && (p.count == 0 || i < p.count); i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := op(ctx, i)
		cancel()
		if err != nil {
			rep.Failed++
			if errors.Is(err, sdk.ErrInvalid) {
				rep.Invalid++
			}
			if rep.FirstErr == "" {
				rep.FirstErr = err.Error()
			}
		} else {
			rep.OK++
			rep.BytesSent += int64(p.size)
		}
		if time.Since(lastWrite) > 100*time.Millisecond {
			write()
			lastWrite = time.Now()
		}
	}
	rep.Finished = true
	write()
}

// Configure hangs until its deadline in hang-configure mode; else it
// writes the settings it receives to --settings-file, and the
// host's default language to the same path + ".lang", so tests can see
// what the host pushed.
func (p *plugin) Configure(ctx context.Context, settings json.RawMessage) error {
	if p.mode == "hang-configure" {
		<-ctx.Done()
		return ctx.Err()
	}
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
	if p.capabilities != "" {
		info.Capabilities = strings.Split(p.capabilities, ",")
	}
	return info
}

// SetHost keeps the host; Serve calls it before anything else.
func (p *plugin) SetHost(h sdk.Host) { p.host = h }

func (p *plugin) Start(_ context.Context, h sdk.Host) error {
	payload := make([]byte, p.size)
	switch p.mode {
	case "flood-events":
		go p.flood(func(ctx context.Context, i int) error { return h.Publish(ctx, "flood.tick", payload) })
	case "flood-kv":
		go p.flood(func(ctx context.Context, i int) error { return h.KV().Put(ctx, fmt.Sprintf("junk/%08d", i), payload) })
	case "flood-audit":
		go p.flood(func(ctx context.Context, i int) error {
			return h.Audit(ctx, sdk.AuditEntry{Action: "junk", Target: strconv.Itoa(i), Result: "ok", Detail: string(payload)})
		})
	}
	if p.mode == "grow" {
		go grow()
	}
	if p.mode == "escape" {
		if err := escape(); err != nil {
			return err
		}
	}
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
	case "audit-forged": // audit entries claiming another user, with and without the real interaction
		forged := sdk.AuditEntry{UserID: "666", UserName: "forged admin", GuildID: "667", ChannelID: "668", Action: "forged", Result: "ok"}
		forged.Target = "with-interaction"
		if err := p.host.Audit(ctx, forged); err != nil {
			return nil, err
		}
		forged.Target = "without-interaction"
		if err := p.host.Audit(context.WithoutCancel(context.Background()), forged); err != nil {
			return nil, err
		}
	case "events": // how many events count-events mode has seen
		return sdk.Reply(strconv.FormatInt(p.events.Load(), 10)), nil
	case "probe": // try to reach what a plugin must not; report as JSON
		raw, err := json.Marshal(probe(ctx, req.String("targets")))
		if err != nil {
			return nil, err
		}
		return sdk.Reply(string(raw)), nil
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
	flag.StringVar(&p.mode, "mode", "", "fault: stdout, slow-start, hang-configure, exit-at-start, bad-manifest, grow, escape, wrong-id, grandchild, slow-events, count-events, flood-events, flood-kv, flood-audit")
	flag.StringVar(&p.calls, "calls", "", "action the plugin may call")
	flag.StringVar(&p.subscribe, "subscribe", "", "topic to subscribe to")
	flag.StringVar(&p.capabilities, "capabilities", "", "capabilities to ask for, comma-separated (docker)")
	flag.StringVar(&p.settingsFile, "settings-file", "", "file to write the settings from each Configure to")
	flag.StringVar(&p.startFile, "start-file", "", "flood modes: start once this file exists")
	flag.StringVar(&p.reportFile, "report-file", "", "flood modes: write the flood's report (JSON) here")
	flag.IntVar(&p.size, "size", 1024, "flood modes: bytes per event, value or audit detail")
	flag.DurationVar(&p.floodFor, "flood-for", 10*time.Second, "flood modes: how long to attack")
	flag.IntVar(&p.count, "count", 0, "flood modes: stop after this many calls (0: no limit)")
	flag.Parse()
	switch p.mode {
	case "stdout":
		fmt.Println("hello from a careless plugin")
	case "slow-start":
		time.Sleep(time.Minute)
	case "exit-at-start":
		fmt.Fprintln(os.Stderr, "fatal: cannot start, exiting")
		os.Exit(1)
	case "escape-child": // start the grower in a session of its own, then exit
		if err := daemon("escape-grow"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	case "escape-grow": // the orphan: no plugin, just growth
		grow()
	}
	if err := sdk.Serve(p); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
