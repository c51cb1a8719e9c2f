package plugins

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/ddc-go/ddc/internal/testkit/fakediscord"
	"github.com/ddc-go/ddc/internal/testkit/wait"
)

// Ids of the fake guild the README test talks in.
const (
	readmeGuild   = "930000000000000001"
	readmeChannel = "930000000000000002"
	readmeUser    = "930000000000000003"
)

// TestReadmePluginInRunningHost is the third-party author's path: the
// plugin from sdk/README.md, a module of its own that depends on the SDK
// through a replace directive (testdata/uptime), is built, installed with
// `ddc plugins install` into a running `ddc serve` (talking to the fake
// Discord), and answers its slash command a minute after it started, when
// the Host API connection made at start is long past go-plugin's 5 s
// connection window.
func TestReadmePluginInRunningHost(t *testing.T) {
	readme, err := os.ReadFile("../../sdk/README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(readme), "```go\n")
	code, _, _ := strings.Cut(rest, "```\n")
	mainGo, err := os.ReadFile("testdata/uptime/main.go")
	if err != nil {
		t.Fatal(err)
	}
	if code != string(mainGo) {
		t.Fatal("testdata/uptime/main.go differs from the plugin in sdk/README.md: keep them the same")
	}
	bin := filepath.Join(t.TempDir(), "uptime")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = "testdata/uptime"
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the README plugin as its own module: %v\n%s(if go.sum is missing entries: run go mod tidy in e2e/plugins/testdata/uptime)", err, out)
	}

	fake := fakediscord.New(fakediscord.Config{
		HeartbeatInterval: time.Second,
		Users:             []fakediscord.User{{ID: readmeUser, Username: "ada"}},
		Guilds: []fakediscord.Guild{{
			ID: readmeGuild, Name: "lab",
			Channels: []fakediscord.Channel{{ID: readmeChannel, Name: "status"}},
			Members:  []fakediscord.Member{{UserID: readmeUser}},
		}},
	})
	t.Cleanup(fake.Close)
	data := t.TempDir()
	sharedDir(t, data, 0o755) // the installed plugin runs as its own user when the test runs as root
	s := serve(t, data, fmt.Sprintf("discord:\n  token: %q\n  api_url: %q\n  guild_ids: [%q]\n  status_channels: [%q]\n  command_cooldown: 0s\n"+noDocker,
		fake.Token(), fake.URL(), readmeGuild, readmeChannel))
	s.waitHealthy(t, 60*time.Second)
	wait.ForState(t, 60*time.Second, "the host connected to Discord", func() (bool, string) {
		h, _, ok := s.health()
		return ok && h.Discord == "connected", fmt.Sprintf("%+v", h)
	})

	install := exec.Command(bins.ddc, "plugins", "install", "--data-dir", data, bin)
	install.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + data}
	out, err := install.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "installed uptime 1.0.0") {
		t.Fatalf("ddc plugins install = %v\n%s", err, out)
	}
	s.waitHealthy(t, 30*time.Second, "uptime")
	started := time.Now()
	wait.ForState(t, 30*time.Second, "/uptime registered with Discord", func() (bool, string) {
		var names []string
		for _, c := range fake.Commands(readmeGuild) {
			names = append(names, c.Name)
		}
		return strings.Contains(strings.Join(names, " "), "uptime"), strings.Join(names, " ")
	})
	list, err := exec.Command(bins.ddc, "plugins", "list", "--data-dir", data).CombinedOutput()
	if err != nil || !regexp.MustCompile(`(?m)^uptime\s+1\.0\.0\s+[0-9a-f]{12}\s+ok$`).Match(list) {
		t.Errorf("ddc plugins list = %v\n%s", err, list)
	}

	time.Sleep(time.Until(started.Add(60 * time.Second)))
	h, err := fake.Fire(fakediscord.Interaction{
		Type: fakediscord.InteractionCommand, GuildID: readmeGuild, ChannelID: readmeChannel, UserID: readmeUser, Command: "uptime",
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := h.WaitResponse(ctx)
	if err != nil {
		t.Fatalf("no answer to /uptime: %v", err)
	}
	if r.Message == nil || r.Message.Flags&discordgo.MessageFlagsEphemeral == 0 ||
		!regexp.MustCompile(`^Up for 1m[0-9]+s, ada; asked 1 times\.$`).MatchString(r.Message.Content) {
		t.Errorf("/uptime a minute after start answered %+v (message %+v), want an ephemeral \"Up for 1m…s, ada; asked 1 times.\"", r, r.Message)
	}
}
