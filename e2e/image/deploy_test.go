package image

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/ddc-go/ddc/host/sandbox"
)

// repoRoot is the repository's root, from this package's directory.
const repoRoot = "../.."

// service is the part of a compose service these tests look at.
type service struct {
	Image       string            `yaml:"image"`
	User        string            `yaml:"user"`
	Restart     string            `yaml:"restart"`
	Ports       []string          `yaml:"ports"`
	Environment map[string]string `yaml:"environment"`
	Volumes     []string          `yaml:"volumes"`
	CapDrop     []string          `yaml:"cap_drop"`
	CapAdd      []string          `yaml:"cap_add"`
	SecurityOpt []string          `yaml:"security_opt"`
	ReadOnly    bool              `yaml:"read_only"`
	Tmpfs       []string          `yaml:"tmpfs"`
	MemLimit    string            `yaml:"mem_limit"`
	Healthcheck struct {
		Test        []string `yaml:"test"`
		Interval    string   `yaml:"interval"`
		Timeout     string   `yaml:"timeout"`
		StartPeriod string   `yaml:"start_period"`
		Retries     int      `yaml:"retries"`
	} `yaml:"healthcheck"`
}

// composeService reads the ddc service of docker-compose.yml as written.
func composeService(t *testing.T) service {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Services map[string]service `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &f); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	s, ok := f.Services["ddc"]
	if !ok {
		t.Fatalf("docker-compose.yml has no service ddc: %v", f.Services)
	}
	return s
}

// composeTool returns the command that runs compose: the docker CLI's
// plugin or the standalone docker-compose. Under CI its absence fails
// the test (scripts/setup.sh installs docker-compose).
func composeTool(t *testing.T) []string {
	t.Helper()
	if exec.Command("docker", "compose", "version").Run() == nil {
		return []string{"docker", "compose"}
	}
	if p, err := exec.LookPath("docker-compose"); err == nil {
		return []string{p}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("neither `docker compose` nor docker-compose is installed (scripts/setup.sh installs docker-compose)")
	}
	t.Skip("no compose tool")
	return nil
}

// composeConfig runs `compose -f FILE config` (the tool validates the file
// against the compose schema) in a directory of its own.
func composeConfig(t *testing.T, tool []string, file []byte) ([]byte, error) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "docker-compose.yml"), file, 0o644); err != nil {
		t.Fatal(err)
	}
	args := append(slices.Clone(tool[1:]), "-f", filepath.Join(dir, "docker-compose.yml"), "config")
	cmd := exec.Command(tool[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DISCORD_BOT_TOKEN=tok", "PUID=99", "PGID=100", "TZ=Europe/Berlin", "DDC_ADMIN_PASSWORD=pw")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, errors.New(err.Error() + ": " + stderr.String())
	}
	return out, nil
}

// TestCompose: the compose tool accepts docker-compose.yml (and refuses it
// with a misspelt key, so it does validate), and the resolved file has the
// hardening and the settings users expect.
func TestCompose(t *testing.T) {
	tool := composeTool(t)
	raw, err := os.ReadFile(filepath.Join(repoRoot, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := composeConfig(t, tool, raw)
	if err != nil {
		t.Fatalf("compose config: %v", err)
	}
	bad := bytes.Replace(raw, []byte("cap_drop:"), []byte("cap_dropp:"), 1)
	if _, err := composeConfig(t, tool, bad); err == nil {
		t.Errorf("compose config accepted a misspelt key (cap_dropp): it does not validate")
	}

	var resolved struct {
		Services map[string]struct {
			Environment map[string]string `yaml:"environment"`
			CapDrop     []string          `yaml:"cap_drop"`
			CapAdd      []string          `yaml:"cap_add"`
			SecurityOpt []string          `yaml:"security_opt"`
			ReadOnly    bool              `yaml:"read_only"`
			Tmpfs       []string          `yaml:"tmpfs"`
			MemLimit    string            `yaml:"mem_limit"`
			Restart     string            `yaml:"restart"`
			User        string            `yaml:"user"`
			Healthcheck struct {
				Test []string `yaml:"test"`
			} `yaml:"healthcheck"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(out, &resolved); err != nil {
		t.Fatalf("compose config output: %v\n%s", err, out)
	}
	s, ok := resolved.Services["ddc"]
	if !ok {
		t.Fatalf("resolved compose file has no service ddc:\n%s", out)
	}
	wantEnv := map[string]string{"DISCORD_BOT_TOKEN": "tok", "DDC_ADMIN_PASSWORD": "pw", "PUID": "99", "PGID": "100", "TZ": "Europe/Berlin"}
	for k, v := range wantEnv {
		if s.Environment[k] != v {
			t.Errorf("environment %s = %q, want %q from the shell", k, s.Environment[k], v)
		}
	}
	checks := []struct {
		what string
		ok   bool
		got  any
	}{
		{"cap_drop is [ALL]", slices.Equal(s.CapDrop, []string{"ALL"}), s.CapDrop},
		{"cap_add is only what PUID/PGID switching and plugin users need", slices.Equal(slices.Sorted(slices.Values(s.CapAdd)), pluginHostCaps()), s.CapAdd},
		{"no-new-privileges", slices.Contains(s.SecurityOpt, "no-new-privileges:true"), s.SecurityOpt},
		{"read-only root file system", s.ReadOnly, s.ReadOnly},
		{"a tmpfs on /tmp", slices.ContainsFunc(s.Tmpfs, func(m string) bool { return strings.HasPrefix(m, "/tmp") }), s.Tmpfs},
		{"128 MB of memory", s.MemLimit == "128m" || s.MemLimit == "134217728", s.MemLimit},
		{"restart unless-stopped", s.Restart == "unless-stopped", s.Restart},
		{"started as root to switch to PUID/PGID", s.User == "0:0", s.User},
		{"health check by the binary", slices.Equal(s.Healthcheck.Test, []string{"CMD", "/ddc", "healthcheck"}), s.Healthcheck.Test},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("docker-compose.yml: want %s, got %v", c.what, c.got)
		}
	}
	svc := composeService(t)
	if !slices.Contains(svc.Ports, "9374:9374") {
		t.Errorf("ports %v, want 9374:9374", svc.Ports)
	}
	for _, v := range []string{"./data:/data", "/var/run/docker.sock:/var/run/docker.sock"} {
		if !slices.Contains(svc.Volumes, v) {
			t.Errorf("volumes %v, want %s", svc.Volumes, v)
		}
	}
}

// pluginHostCaps are the capabilities a host that dropped root to PUID
// keeps to run plugins as users of their own (sandbox.SwitchCapabilities),
// as compose names them, sorted: exactly what the compose file adds.
func pluginHostCaps() []string {
	var out []string
	for _, c := range sandbox.SwitchCapabilities() {
		out = append(out, strings.TrimPrefix(c.Name, "CAP_"))
	}
	slices.Sort(out)
	return out
}

// template is the part of an Unraid template these tests look at.
type template struct {
	XMLName     xml.Name `xml:"Container"`
	Name        string   `xml:"Name"`
	Repository  string   `xml:"Repository"`
	Network     string   `xml:"Network"`
	Privileged  string   `xml:"Privileged"`
	Overview    string   `xml:"Overview"`
	Category    string   `xml:"Category"`
	WebUI       string   `xml:"WebUI"`
	Icon        string   `xml:"Icon"`
	ExtraParams string   `xml:"ExtraParams"`
	Configs     []struct {
		Name    string `xml:"Name,attr"`
		Target  string `xml:"Target,attr"`
		Default string `xml:"Default,attr"`
		Mode    string `xml:"Mode,attr"`
		Type    string `xml:"Type,attr"`
		Mask    string `xml:"Mask,attr"`
		Value   string `xml:",chardata"`
	} `xml:"Config"`
}

// TestUnraidTemplate: unraid/ddc.xml parses and agrees with the compose
// file: the same port, paths, environment names and hardening, with the
// Unraid defaults (PUID 99, PGID 100, appdata) and masked secrets.
func TestUnraidTemplate(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, "unraid", "ddc.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var tpl template
	if err := xml.Unmarshal(raw, &tpl); err != nil {
		t.Fatalf("unraid/ddc.xml: %v", err)
	}
	svc := composeService(t)
	if tpl.Name == "" || tpl.Repository == "" || tpl.Overview == "" || tpl.Category == "" || tpl.Privileged != "false" {
		t.Errorf("template lacks name, repository, overview or category, or is privileged: %+v", tpl)
	}
	if tpl.WebUI != "http://[IP]:[PORT:9374]" {
		t.Errorf("WebUI %q, want http://[IP]:[PORT:9374]", tpl.WebUI)
	}
	byTarget := map[string]int{}
	for i, c := range tpl.Configs {
		byTarget[c.Target] = i
	}
	get := func(target string) (string, string, string, bool) {
		i, ok := byTarget[target]
		if !ok {
			t.Errorf("template has no Config for %s", target)
			return "", "", "", false
		}
		c := tpl.Configs[i]
		return c.Type, c.Value, c.Mask, true
	}
	// Ports and paths: each of the compose file's, with Unraid's host side.
	for _, p := range svc.Ports {
		_, container, _ := strings.Cut(p, ":")
		if typ, v, _, ok := get(container); ok && (typ != "Port" || v != container) {
			t.Errorf("port %s: type %s value %s, want a Port of the same number", container, typ, v)
		}
	}
	wantHost := map[string]string{"/data": "/mnt/user/appdata/ddc", "/var/run/docker.sock": "/var/run/docker.sock"}
	for _, v := range svc.Volumes {
		_, container, _ := strings.Cut(v, ":")
		if typ, host, _, ok := get(container); ok && (typ != "Path" || host != wantHost[container]) {
			t.Errorf("path %s: type %s host %s, want a Path from %s", container, typ, host, wantHost[container])
		}
	}
	// Environment: the same names, secrets masked, Unraid's ids.
	var tplEnv []string
	for _, c := range tpl.Configs {
		if c.Type == "Variable" {
			tplEnv = append(tplEnv, c.Target)
		}
	}
	var composeEnv []string
	for k := range svc.Environment {
		composeEnv = append(composeEnv, k)
	}
	slices.Sort(tplEnv)
	slices.Sort(composeEnv)
	if !slices.Equal(tplEnv, composeEnv) {
		t.Errorf("template variables %v, compose environment %v: want the same names", tplEnv, composeEnv)
	}
	for _, secret := range []string{"DISCORD_BOT_TOKEN", "DDC_ADMIN_PASSWORD"} {
		if _, v, mask, ok := get(secret); ok && (mask != "true" || v != "") {
			t.Errorf("%s: Mask=%q value %q, want masked and empty", secret, mask, v)
		}
	}
	for target, want := range map[string]string{"PUID": "99", "PGID": "100"} {
		if _, v, _, ok := get(target); ok && v != want {
			t.Errorf("%s = %q, want %s (Unraid's nobody:users)", target, v, want)
		}
	}
	// Hardening: the compose file's, as docker run flags.
	flags := strings.Fields(tpl.ExtraParams)
	want := []string{"--user 0:0", "--cap-drop ALL", "--security-opt no-new-privileges:true", "--read-only", "--memory 128m", "--restart " + svc.Restart}
	for _, c := range svc.CapAdd {
		want = append(want, "--cap-add "+c)
	}
	for _, m := range svc.Tmpfs {
		want = append(want, "--tmpfs "+m)
	}
	joined := " " + strings.Join(flags, " ") + " "
	for _, w := range want {
		if !strings.Contains(joined, " "+w+" ") {
			t.Errorf("ExtraParams %q lacks %q (from docker-compose.yml)", tpl.ExtraParams, w)
		}
	}
	if n := strings.Count(joined, "--cap-add "); n != len(svc.CapAdd) {
		t.Errorf("ExtraParams adds %d capabilities, compose %d", n, len(svc.CapAdd))
	}
	// The icon is a file of this repository, a PNG.
	const iconPrefix = "https://raw.githubusercontent.com/ddc-go/ddc/main/"
	rel, ok := strings.CutPrefix(tpl.Icon, iconPrefix)
	if !ok {
		t.Fatalf("Icon %q is not a file of the repository (%s...)", tpl.Icon, iconPrefix)
	}
	f, err := os.Open(filepath.Join(repoRoot, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatalf("Icon: %v", err)
	}
	defer f.Close()
	if cfg, err := png.DecodeConfig(f); err != nil || cfg.Width < 64 || cfg.Width != cfg.Height {
		t.Errorf("Icon %s: %+v, %v; want a square PNG of at least 64 px", rel, cfg, err)
	}
}
