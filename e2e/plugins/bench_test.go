package plugins

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/internal/procmem"
	"github.com/ddc-go/ddc/internal/testkit/latency"
	"github.com/ddc-go/ddc/sdk"
)

// The benchmarks here run real plugin processes and a real `ddc serve`;
// `task bench` runs them and their figures go in the issue notes. Each one
// sets up once (b.Loop runs the body a single time per -count) and stays
// well under 20 s at the default -benchtime.

// quiet is the manager config tweak every benchmark uses: the helpers log
// at debug level to the test log, which a benchmark always prints.
func quiet(c *pluginhost.Config) { c.Logger = slog.New(slog.DiscardHandler) }

// timings collects per-operation durations.
type timings []time.Duration

// report adds p50 and p99 (µs) to the benchmark's metrics.
func (ts timings) report(b *testing.B) {
	b.Helper()
	if len(ts) == 0 {
		return
	}
	b.ReportMetric(latency.Us(latency.Percentile(ts, 0.50)), "p50-µs")
	b.ReportMetric(latency.Us(latency.Percentile(ts, 0.99)), "p99-µs")
}

// loopTimed runs op under b.Loop, timing each call, and reports p50/p99.
func loopTimed(b *testing.B, op func() error) {
	b.Helper()
	var ts timings
	for b.Loop() {
		t0 := time.Now()
		err := op()
		ts = append(ts, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	ts.report(b)
}

// BenchmarkRPCRoundTrip measures host→plugin calls through the manager, the
// path a Discord interaction takes (deadline, gRPC over go-plugin's mTLS
// connection, SDK dispatch):
//   - invoke-echo: Invoke("echo.say") on the echo plugin, no callback — the
//     bare round trip;
//   - command-fault: a HandleCommand that only replies;
//   - command-echo: the echo plugin's /echo, which itself calls the host
//     three times (KV get, fsynced KV put, Publish).
func BenchmarkRPCRoundTrip(b *testing.B) {
	data := b.TempDir()
	install(b, data, "echo", "echo", bins.echo, nil)
	install(b, data, "fault", "fault", bins.fault, nil)
	e := start(b, data, quiet)
	waitState(b, e.mgr, "echo", pluginhost.StateRunning, 10*time.Second)
	waitState(b, e.mgr, "fault", pluginhost.StateRunning, 10*time.Second)
	ctx := context.Background()
	args := json.RawMessage(`{"text":"hi"}`)

	b.Run("invoke-echo", func(b *testing.B) {
		loopTimed(b, func() error {
			_, err := e.mgr.Invoke(ctx, "host", "echo.say", args, nil)
			return err
		})
	})
	b.Run("command-fault", func(b *testing.B) {
		loopTimed(b, func() error {
			_, err := command(ctx, e.mgr, "fault", "fault")
			return err
		})
	})
	b.Run("command-echo", func(b *testing.B) {
		text := sdk.OptionValue{Name: "text", Type: sdk.OptionString, Value: "hi"}
		loopTimed(b, func() error {
			_, err := command(ctx, e.mgr, "echo", "echo", text)
			return err
		})
	})
}

// BenchmarkCallback measures host→plugin→host: a command whose handler
// makes Host API calls back over the GRPCBroker connection before replying:
//   - kv-get: one read-only KV get;
//   - kv-put: one KV put (one fsynced bbolt transaction);
//   - invoke: Invoke("echo.say") routed by the host to a second plugin
//     (host→fault→host→echo→host→fault→host).
//
// Subtract RPCRoundTrip/command-fault for the callback's own cost.
func BenchmarkCallback(b *testing.B) {
	data := b.TempDir()
	install(b, data, "echo", "echo", bins.echo, nil)
	install(b, data, "fault", "fault", bins.fault, []string{"--calls=echo.say"})
	e := start(b, data, quiet)
	waitState(b, e.mgr, "echo", pluginhost.StateRunning, 10*time.Second)
	waitState(b, e.mgr, "fault", pluginhost.StateRunning, 10*time.Second)
	ctx := context.Background()

	for _, tt := range []struct {
		name string
		opts []sdk.OptionValue
		want string
	}{
		{"kv-get", []sdk.OptionValue{do("kv-get")}, "got "},
		{"kv-put", []sdk.OptionValue{do("kv-put"), {Name: "value", Type: sdk.OptionString, Value: "v"}}, "ok from fault"},
		{"invoke", []sdk.OptionValue{do("invoke"), {Name: "action", Type: sdk.OptionString, Value: "echo.say"}}, "via fault"},
	} {
		b.Run(tt.name, func(b *testing.B) {
			loopTimed(b, func() error {
				resp, err := command(ctx, e.mgr, "fault", "fault", tt.opts...)
				if err == nil && !strings.Contains(resp.Message.Content, tt.want) {
					err = fmt.Errorf("reply %q, want it to contain %q", resp.Message.Content, tt.want)
				}
				return err
			})
		})
	}
}

// fanOutBatch is how many events one benchmark operation publishes before
// it waits for every subscriber to have handled them. It equals the queue
// length, so a batch never drops and the figure is sustained throughput.
const fanOutBatch = pluginhost.DefaultQueueSize

// BenchmarkBusFanOut publishes events to N subscribers and waits until each
// subscriber handled each event. One op is a batch of fanOutBatch events;
// "deliveries/s" counts event × subscriber, "events/s" published events.
//   - inproc-N: the bus alone, with in-process subscribers;
//   - plugins-N: subscriber plugin processes (HandleEvent over gRPC).
func BenchmarkBusFanOut(b *testing.B) {
	for _, n := range []int{1, 16} {
		b.Run(fmt.Sprintf("inproc-%d", n), func(b *testing.B) {
			bus := pluginhost.NewBus(nil, fanOutBatch, 0)
			var wg sync.WaitGroup
			for i := range n {
				id := fmt.Sprintf("sub%d", i)
				bus.Subscribe(id, []string{"bench.*"}, func(context.Context, sdk.Event) error { wg.Done(); return nil })
				b.Cleanup(func() { bus.Unsubscribe(id) })
			}
			ev := sdk.Event{Topic: "bench.tick", Payload: []byte(`{"n":1}`), Source: "host"}
			for b.Loop() {
				wg.Add(fanOutBatch * n)
				for range fanOutBatch {
					bus.Publish(ev)
				}
				wg.Wait()
			}
			reportFanOut(b, n, bus.Stats())
		})
	}
	for _, n := range []int{1, 4} {
		b.Run(fmt.Sprintf("plugins-%d", n), func(b *testing.B) {
			data := b.TempDir()
			ids := make([]string, n)
			for i := range ids {
				ids[i] = fmt.Sprintf("sub%d", i)
				install(b, data, ids[i], ids[i], bins.fault,
					[]string{"--id=" + ids[i], "--cmd=" + ids[i], "--mode=count-events", "--subscribe=bench.*"})
			}
			e := start(b, data, quiet)
			for _, id := range ids {
				waitState(b, e.mgr, id, pluginhost.StateRunning, 10*time.Second)
			}
			ctx := context.Background()
			seen := func(id string) (int, error) {
				resp, err := command(ctx, e.mgr, id, id, do("events"))
				if err != nil {
					return 0, err
				}
				return strconv.Atoi(resp.Message.Content)
			}
			ev := sdk.Event{Topic: "bench.tick", Payload: []byte(`{"n":1}`), Source: "host"}
			bus := e.mgr.Bus()
			want := 0
			for b.Loop() {
				for range fanOutBatch {
					bus.Publish(ev)
				}
				want += fanOutBatch
				for _, id := range ids {
					for {
						got, err := seen(id)
						if err != nil {
							b.Fatalf("count events of %s: %v", id, err)
						}
						if got >= want {
							break
						}
						time.Sleep(200 * time.Microsecond)
					}
				}
			}
			reportFanOut(b, n, bus.Stats())
		})
	}
}

func reportFanOut(b *testing.B, subscribers int, st pluginhost.BusStats) {
	b.Helper()
	b.StopTimer()
	sec := b.Elapsed().Seconds()
	if sec <= 0 {
		return
	}
	events := float64(b.N * fanOutBatch)
	b.ReportMetric(events/sec, "events/s")
	b.ReportMetric(events*float64(subscribers)/sec, "deliveries/s")
	b.ReportMetric(float64(st.Dropped), "dropped")
}

// noDocker is the config.yaml that leaves only the example echo plugin:
// the skeleton without the containers plugin.
const noDocker = "plugins:\n  containers:\n    enabled: false\n"

// BenchmarkExecToRunning measures from exec of `ddc serve` on a fresh data
// dir until /healthz answers 200 with every enabled bundled plugin running;
// "bundled" runs the default set (containers needs the Docker engine),
// "echo-only" the skeleton.
func BenchmarkExecToRunning(b *testing.B) {
	for _, tt := range []struct{ name, config string }{{"bundled", ""}, {"echo-only", noDocker}} {
		b.Run(tt.name, func(b *testing.B) {
			var ts timings
			for b.Loop() {
				data := b.TempDir()
				t0 := time.Now()
				s := serve(b, data, tt.config)
				h := s.waitAllRunning(b, 30*time.Second)
				ts = append(ts, time.Since(t0))
				b.StopTimer()
				if len(h.Plugins) == 0 {
					b.Fatalf("healthz lists no plugins: %+v", h)
				}
				s.stop(b)
				b.StartTimer()
			}
			b.StopTimer()
			slices.Sort(ts)
			b.ReportMetric(float64(ts[len(ts)/2].Microseconds())/1e3, "p50-ms")
			b.ReportMetric(float64(ts[len(ts)-1].Microseconds())/1e3, "max-ms")
		})
	}
}

// waitAllRunning polls /healthz every 2 ms until it answers 200 and every
// plugin it lists is running (or disabled by the config), at least one.
func (s *served) waitAllRunning(b *testing.B, timeout time.Duration) health {
	b.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		h, code, ok := s.health()
		if ok && code == http.StatusOK && len(h.Plugins) > 0 {
			all, running := true, 0
			for _, p := range h.Plugins {
				all = all && (p.State == "running" || p.State == "disabled")
				if p.State == "running" {
					running++
				}
			}
			if all && running > 0 {
				return h
			}
		}
		last = fmt.Sprintf("code %d %+v", code, h)
		time.Sleep(2 * time.Millisecond)
	}
	b.Fatalf("ddc serve: not all plugins running after %s; last healthz: %s", timeout, last)
	return health{}
}

// stop ends a `ddc serve` this package started: SIGTERM, then SIGKILL to its
// process group after 20 s. The cleanup serve registered then only waits
// for the log reader.
func (s *served) stop(b testing.TB) {
	b.Helper()
	pid := s.cmd.Process.Pid
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	exited := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		b.Errorf("ddc serve %d ignored SIGTERM for 20 s; killing it", pid)
		_ = s.cmd.Process.Kill()
		<-exited
	}
}

// idleSettle is how long the processes idle after every plugin runs before
// memory is read. Idle is a steady state only after the first health check
// (10 s after start): before it, internal/memtrim's first trim (5 s after
// start) has just dropped the executable's pages, and the health check
// faults part of them back in. Sampling earlier reports a dip that no
// long-running ddc stays in.
const idleSettle = 12 * time.Second

// BenchmarkIdleMemory runs `ddc serve`, waits until every plugin runs and
// the processes have idled for idleSettle, then reports the total PSS and
// RSS of the host and all its descendant processes (from
// /proc/PID/smaps_rollup), each process in the log. One op is one sample of
// all processes; the metrics are the mean over samples. "anon-MB" is the
// private anonymous part (Go heap, stacks, runtime), which does not depend
// on how much of the shared executable is resident. Targets: ≤ 40 MB
// PSS for the whole system, well under 25 MB for echo-only (the skeleton).
func BenchmarkIdleMemory(b *testing.B) {
	for _, tt := range []struct{ name, config string }{{"bundled", ""}, {"echo-only", noDocker}} {
		b.Run(tt.name, func(b *testing.B) {
			s := serve(b, b.TempDir(), tt.config)
			s.waitAllRunning(b, 30*time.Second)
			time.Sleep(idleSettle)
			first, _, err := procmem.ReadTree(s.cmd.Process.Pid)
			if err != nil {
				b.Fatal(err)
			}
			for _, m := range first {
				b.Logf("pid %d %-24s pss %6.1f MB  rss %6.1f MB  anon %6.1f MB", m.PID, m.Cmd, procmem.MB(m.PSS), procmem.MB(m.RSS), procmem.MB(m.Anon))
			}
			var sum procmem.Usage
			var n int64
			for b.Loop() {
				_, total, err := procmem.ReadTree(s.cmd.Process.Pid)
				if err != nil {
					b.Fatal(err)
				}
				sum.PSS += total.PSS
				sum.RSS += total.RSS
				sum.Anon += total.Anon
				n++
			}
			b.StopTimer()
			b.ReportMetric(procmem.MB(sum.PSS/n), "pss-MB")
			b.ReportMetric(procmem.MB(sum.RSS/n), "rss-MB")
			b.ReportMetric(procmem.MB(sum.Anon/n), "anon-MB")
			b.ReportMetric(float64(len(first)), "procs")
			s.stop(b)
		})
	}
}
