package privdrop

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// childEnv makes the test binary act as the process that drops (see
// TestMain): its value is the JSON of childArgs.
const childEnv = "PRIVDROP_TEST_CHILD"

// childArgs is what the child does.
type childArgs struct {
	Opts     Options
	RootOnly string // a file only root may read
	Become   bool   // call Become(Opts.Target) instead of Drop
	NoDAC    bool   // lose CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH first, like a root without them
	Socket   string // report SocketWarning for it instead of dropping
}

// childReport is what the child found after Drop.
type childReport struct {
	Result  Result
	Err     string
	Threads []ids // every thread of the process, from /proc/self/task
	ReadErr string
	SockErr string // SocketWarning's answer
}

// ids are one thread's ids as the kernel reports them.
type ids struct {
	Uid, Gid, Groups, CapPrm, CapEff string
}

func TestMain(m *testing.M) {
	if raw := os.Getenv(childEnv); raw != "" {
		os.Exit(child(raw))
	}
	os.Exit(m.Run())
}

// child runs Drop with threads already running, then reports as JSON.
func child(raw string) int {
	var a childArgs
	if err := json.Unmarshal([]byte(raw), &a); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	// Threads that exist before the switch must switch too.
	block := make(chan struct{})
	for range 4 {
		go func() {
			runtime.LockOSThread()
			<-block
		}()
	}
	var rep childReport
	if a.Socket != "" {
		rep.SockErr = SocketWarning(a.Socket)
		_ = json.NewEncoder(os.Stdout).Encode(rep)
		return 0
	}
	if a.NoDAC {
		// Capabilities are per thread: Drop runs on this one.
		runtime.LockOSThread()
		if err := dropDAC(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
	}
	var res Result
	var err error
	if a.Become {
		err = Become(a.Opts.Target)
	} else {
		res, err = Drop(a.Opts)
	}
	rep.Result = res
	if err != nil {
		rep.Err = err.Error()
	}
	tasks, _ := filepath.Glob("/proc/self/task/*/status")
	for _, f := range tasks {
		rep.Threads = append(rep.Threads, readIDs(f))
	}
	if a.RootOnly != "" {
		if _, err := os.ReadFile(a.RootOnly); err != nil {
			rep.ReadErr = err.Error()
		}
	}
	close(block)
	_ = json.NewEncoder(os.Stdout).Encode(rep)
	return 0
}

// dropDAC removes CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from this
// thread's effective and permitted sets.
func dropDAC() error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return err
	}
	mask := uint32(1<<unix.CAP_DAC_OVERRIDE | 1<<unix.CAP_DAC_READ_SEARCH)
	data[0].Effective &^= mask
	data[0].Permitted &^= mask
	data[0].Inheritable &^= mask
	return unix.Capset(&hdr, &data[0])
}

func readIDs(statusFile string) ids {
	var out ids
	f, err := os.Open(statusFile)
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		v = strings.Join(strings.Fields(v), " ")
		switch k {
		case "Uid":
			out.Uid = v
		case "Gid":
			out.Gid = v
		case "Groups":
			out.Groups = v
		case "CapPrm":
			out.CapPrm = v
		case "CapEff":
			out.CapEff = v
		}
	}
	return out
}

// needRoot fails under CI (where the tests run as root) and skips
// elsewhere when the test process is not root.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("privdrop tests need root (CI runs them as root)")
	}
	t.Skip("privdrop tests need root")
}

// runChild runs the test binary as the dropping process, as cred (nil:
// as this process, root).
func runChild(t *testing.T, exe string, a childArgs, cred *syscall.Credential) childReport {
	t.Helper()
	raw, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+string(raw))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("child: %v: %s", err, stderr)
	}
	var rep childReport
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("child report %q: %v", out, err)
	}
	return rep
}

// socketAt makes a unix socket at path owned by group gid, mode 0660 like
// Docker's.
func socketAt(t *testing.T, path string, gid int) {
	t.Helper()
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	if err := os.Chown(path, 0, gid); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o660); err != nil {
		t.Fatal(err)
	}
}

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name       string
		env        map[string]string
		want       Target
		ok         bool
		errContain string
	}{
		{name: "neither", env: nil},
		{name: "both empty", env: map[string]string{"PUID": "", "PGID": " "}},
		{name: "unraid", env: map[string]string{"PUID": "99", "PGID": "100"}, want: Target{99, 100}, ok: true},
		{name: "root", env: map[string]string{"PUID": "0", "PGID": "0"}, want: Target{0, 0}, ok: true},
		{name: "largest id", env: map[string]string{"PUID": "4294967294", "PGID": "1"}, want: Target{4294967294, 1}, ok: true},
		{name: "only PUID", env: map[string]string{"PUID": "99"}, errContain: "set both or neither"},
		{name: "only PGID", env: map[string]string{"PGID": "100"}, errContain: "set both or neither"},
		{name: "name not id", env: map[string]string{"PUID": "nobody", "PGID": "100"}, errContain: `PUID="nobody"`},
		{name: "negative", env: map[string]string{"PUID": "99", "PGID": "-1"}, errContain: `PGID="-1"`},
		{name: "no-change id", env: map[string]string{"PUID": "4294967295", "PGID": "1"}, errContain: `PUID="4294967295"`},
		{name: "too large", env: map[string]string{"PUID": "99999999999", "PGID": "1"}, errContain: "PUID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := FromEnv(func(k string) string { return tt.env[k] })
			if tt.errContain != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errContain) {
					t.Fatalf("FromEnv(%v) error = %v, want one containing %q", tt.env, err, tt.errContain)
				}
				return
			}
			if err != nil || ok != tt.ok || got != tt.want {
				t.Errorf("FromEnv(%v) = %+v, %v, %v; want %+v, %v, nil", tt.env, got, ok, err, tt.want, tt.ok)
			}
		})
	}
}

func TestSocketPath(t *testing.T) {
	tests := []struct{ dockerHost, want string }{
		{"", DefaultSocket},
		{"unix:///run/user/1000/docker.sock", "/run/user/1000/docker.sock"},
		{"tcp://127.0.0.1:2375", ""},
		{"ssh://me@nas", ""},
		{"unix://", ""},
	}
	for _, tt := range tests {
		got := SocketPath(func(string) string { return tt.dockerHost })
		if got != tt.want {
			t.Errorf("SocketPath(DOCKER_HOST=%q) = %q, want %q", tt.dockerHost, got, tt.want)
		}
	}
}

// TestChownTree: every entry ends owned by the target; a symbolic link
// pointing out of the tree changes owner itself, its target does not.
func TestChownTree(t *testing.T) {
	needRoot(t)
	base := t.TempDir()
	outside := filepath.Join(base, "outside")
	if err := os.WriteFile(outside, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "data")
	for _, d := range []string{"plugins/a", "empty"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"config.yaml", "ddc.db", "plugins/a/bin"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(filepath.Join(dir, "ddc.db"), 4321, 4322); err != nil { // already right
		t.Fatal(err)
	}
	n, err := ChownTree(dir, 4321, 4322)
	if err != nil {
		t.Fatal(err)
	}
	var changed []string
	err = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		if st.Uid != 4321 || st.Gid != 4322 {
			t.Errorf("%s owned by %d:%d, want 4321:4322", p, st.Uid, st.Gid)
		}
		changed = append(changed, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := len(changed) - 1; n != want { // all but ddc.db
		t.Errorf("ChownTree changed %d entries, want %d", n, want)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(outside, &st); err != nil || st.Uid != 0 {
		t.Errorf("the link's target outside the tree: owner %d, %v; want it left to root", st.Uid, err)
	}
	if n, err := ChownTree(dir, 4321, 4322); n != 0 || err != nil {
		t.Errorf("second ChownTree = %d, %v; want 0, nil", n, err)
	}
	if _, err := ChownTree(filepath.Join(base, "missing"), 1, 1); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("ChownTree of a missing dir = %v, want an error naming it", err)
	}
}

// TestDrop: as root, Drop gives the data dir to PUID:PGID and switches
// every thread to them, keeping exactly the Docker socket's group; root is
// gone (a root-only file is unreadable). As another user it switches
// nothing and refuses ids it cannot honour.
func TestDrop(t *testing.T) {
	needRoot(t)
	// Not t.TempDir: its parent is closed to other users, and the child
	// runs as one in two cases; so is the test binary's directory.
	base, err := os.MkdirTemp("", "privdrop-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(base, "privdrop.test")
	bin, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	rootOnly := filepath.Join(base, "secret")
	if err := os.WriteFile(rootOnly, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(base, "docker.sock")
	socketAt(t, sock, 4242)
	target := Target{UID: 4321, GID: 4322}
	// A race build uses cgo, where capabilities cannot be kept (see
	// TestKeep for the static build the image ships).
	keepCaps, keepWarn := "00000000000000e3", ""
	if _, _, e := syscall.AllThreadsSyscall(syscall.SYS_GETPID, 0, 0, 0); e == syscall.ENOTSUP {
		keepCaps, keepWarn = "", "built with cgo"
	}

	tests := []struct {
		name       string
		socket     string
		cred       *syscall.Credential
		become     bool
		noDAC      bool
		private    bool // data dir mode 0700 with a 0700 subdirectory
		target     Target
		keep       []Cap
		wantGroups string
		wantCaps   string // CapPrm and CapEff of every thread; "" is none
		wantWarn   string
		wantErr    string
	}{
		{name: "root with socket", socket: sock, target: target, wantGroups: "4242"},
		{name: "root without socket", socket: filepath.Join(base, "none.sock"), target: target, wantGroups: "", wantWarn: "no Docker socket"},
		{name: "root with remote docker", socket: "", target: target, wantGroups: ""},
		{name: "root without DAC capabilities, private data dir", socket: sock, target: target, noDAC: true, private: true, wantGroups: "4242"},
		{name: "become: no files, no groups", socket: sock, target: target, become: true, wantGroups: ""},
		{name: "already the target", socket: sock, target: target, cred: &syscall.Credential{Uid: 4321, Gid: 4322}, wantGroups: ""},
		{name: "another user", socket: sock, target: target, cred: &syscall.Credential{Uid: 5000, Gid: 5000}, wantErr: "not root, so it cannot switch"},
		{name: "root keeping capabilities (in this test binary's build)", socket: sock, target: target, keep: hostCaps(), wantGroups: "4242", wantCaps: keepCaps, wantWarn: keepWarn},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := filepath.Join(base, "data"+strconv.Itoa(i))
			if tt.cred != nil || tt.become { // a user other than root cannot create it in base; Become creates nothing
				if err := os.Mkdir(data, 0o700); err != nil {
					t.Fatal(err)
				}
				if tt.cred != nil {
					if err := os.Chown(data, int(tt.cred.Uid), int(tt.cred.Gid)); err != nil {
						t.Fatal(err)
					}
				}
			}
			if tt.private {
				for _, d := range []string{data, filepath.Join(data, "plugins")} {
					if err := os.Mkdir(d, 0o700); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(d, "file"), []byte("x"), 0o600); err != nil {
						t.Fatal(err)
					}
				}
			}
			rep := runChild(t, exe, childArgs{Opts: Options{Target: tt.target, DataDir: data, Socket: tt.socket, Keep: tt.keep}, RootOnly: rootOnly, Become: tt.become, NoDAC: tt.noDAC}, tt.cred)
			if tt.wantErr != "" {
				if !strings.Contains(rep.Err, tt.wantErr) {
					t.Fatalf("Drop error %q, want one containing %q", rep.Err, tt.wantErr)
				}
				return
			}
			if rep.Err != "" {
				t.Fatalf("Drop: %s", rep.Err)
			}
			if tt.wantWarn != "" && !slices.ContainsFunc(rep.Result.Warnings, func(w string) bool { return strings.Contains(w, tt.wantWarn) }) {
				t.Errorf("warnings %q, want one containing %q", rep.Result.Warnings, tt.wantWarn)
			}
			if len(rep.Threads) < 5 {
				t.Errorf("child reported %d threads, want the 4 locked ones and main", len(rep.Threads))
			}
			wantCaps := tt.wantCaps
			if wantCaps == "" {
				wantCaps = "0000000000000000"
			}
			want := ids{Uid: "4321 4321 4321 4321", Gid: "4322 4322 4322 4322", Groups: tt.wantGroups, CapPrm: wantCaps, CapEff: wantCaps}
			for i, th := range rep.Threads {
				if th != want {
					t.Errorf("thread %d runs as %+v, want %+v", i, th, want)
				}
			}
			if tt.wantCaps != "" { // CAP_DAC_OVERRIDE reads it
				if rep.ReadErr != "" {
					t.Errorf("reading a root-only file with CAP_DAC_OVERRIDE kept: %s", rep.ReadErr)
				}
			} else if rep.ReadErr == "" || !strings.Contains(rep.ReadErr, "permission denied") {
				t.Errorf("reading a root-only file after the drop: %q, want permission denied", rep.ReadErr)
			}
			var st syscall.Stat_t
			wantOwner := uint32(4321)
			if tt.become {
				wantOwner = 0 // Become gives nothing away
			}
			if err := syscall.Stat(data, &st); err != nil || st.Uid != wantOwner {
				t.Errorf("data dir owned by %d:%d (%v), want uid %d", st.Uid, st.Gid, err, wantOwner)
			}
			if tt.private {
				for _, f := range []string{"file", "plugins", "plugins/file"} {
					if err := syscall.Lstat(filepath.Join(data, f), &st); err != nil || st.Uid != 4321 || st.Gid != 4322 {
						t.Errorf("%s owned by %d:%d (%v), want 4321:4322", f, st.Uid, st.Gid, err)
					}
				}
			}
		})
	}
}

// TestSocketWarning: a user outside the socket's group is told how to get
// in; a member, or root, is told nothing.
func TestSocketWarning(t *testing.T) {
	needRoot(t)
	base, err := os.MkdirTemp("", "privdrop-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(base, "privdrop.test")
	bin, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(base, "docker.sock")
	socketAt(t, sock, 4242)
	tests := []struct {
		name string
		cred *syscall.Credential
		want string
	}{
		{"outsider", &syscall.Credential{Uid: 65532, Gid: 65532}, "--group-add 4242"},
		{"member", &syscall.Credential{Uid: 65532, Gid: 65532, Groups: []uint32{4242}}, ""},
		{"root", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := runChild(t, exe, childArgs{Socket: sock}, tt.cred)
			if tt.want == "" && rep.SockErr != "" || !strings.Contains(rep.SockErr, tt.want) {
				t.Errorf("SocketWarning = %q, want %q", rep.SockErr, tt.want)
			}
		})
	}
	if w := SocketWarning(filepath.Join(base, "none.sock")); w != "" {
		t.Errorf("SocketWarning(missing) = %q, want nothing", w)
	}
}

// hostCaps are the capabilities the plugin host keeps (see
// host/sandbox.SwitchCapabilities; privdrop may not import it): 0xe3.
func hostCaps() []Cap {
	return []Cap{{unix.CAP_CHOWN, "CAP_CHOWN"}, {unix.CAP_DAC_OVERRIDE, "CAP_DAC_OVERRIDE"}, {unix.CAP_KILL, "CAP_KILL"},
		{unix.CAP_SETGID, "CAP_SETGID"}, {unix.CAP_SETUID, "CAP_SETUID"}}
}

// keeperReport is what testdata/keeper saw (its report type).
type keeperReport struct {
	Result            Result
	Err               string
	Threads           []map[string]string
	Child             map[string]string
	SpawnErr, KillErr string
}

// TestKeep runs testdata/keeper, built with CGO_ENABLED=0 as the image's
// ddc is, as root: Drop keeps exactly the plugin host's capabilities on
// every thread (permitted and effective; none inheritable or ambient),
// the process then starts another user's process, which has no
// capability, and kills it. Without one of them (a container started
// without CAP_KILL) it keeps none and says so; asked to keep none, the
// switched process cannot start another user's process at all.
func TestKeep(t *testing.T) {
	needRoot(t)
	base, err := os.MkdirTemp("", "privdrop-keep-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(base, "keeper")
	build := exec.Command("go", "build", "-tags", "nomsgpack", "-o", exe, "./testdata/keeper")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build keeper: %v\n%s", err, out)
	}
	const none = "0000000000000000"
	tests := []struct {
		name     string
		keep     []Cap
		lose     []uint
		wantCaps string
		wantWarn string
		wantKept int
		spawnErr string // "" the child starts
	}{
		{name: "keeps the plugin host's", keep: hostCaps(), wantCaps: "00000000000000e3", wantKept: 5},
		{name: "container without CAP_KILL", keep: hostCaps(), lose: []uint{unix.CAP_KILL}, wantCaps: none, wantWarn: "lacks the capabilities KILL", spawnErr: "operation not permitted"},
		{name: "asked to keep none", wantCaps: none, spawnErr: "operation not permitted"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := filepath.Join(base, "data"+strconv.Itoa(i))
			if err := os.Mkdir(data, 0o700); err != nil {
				t.Fatal(err)
			}
			raw, _ := json.Marshal(map[string]any{
				"Opts": Options{Target: Target{UID: 4321, GID: 4322}, DataDir: data, Keep: tt.keep},
				"Lose": tt.lose, "SpawnUID": 61999,
			})
			cmd := exec.Command(exe)
			cmd.Env = []string{"KEEPER_ARGS=" + string(raw)}
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("keeper: %v (%s)", err, out)
			}
			var rep keeperReport
			if err := json.Unmarshal(out, &rep); err != nil {
				t.Fatalf("keeper report %q: %v", out, err)
			}
			if rep.Err != "" {
				t.Fatalf("Drop: %s", rep.Err)
			}
			if len(rep.Threads) < 5 {
				t.Errorf("keeper reported %d threads, want the 4 locked ones and main", len(rep.Threads))
			}
			for n, th := range rep.Threads {
				want := map[string]string{"Uid": "4321 4321 4321 4321", "CapInh": none, "CapPrm": tt.wantCaps, "CapEff": tt.wantCaps, "CapAmb": none}
				for k, v := range want {
					if th[k] != v {
						t.Errorf("thread %d: %s %q, want %q", n, k, th[k], v)
					}
				}
			}
			if len(rep.Result.Kept) != tt.wantKept {
				t.Errorf("Result.Kept = %v, want %d capabilities", rep.Result.Kept, tt.wantKept)
			}
			if tt.wantWarn != "" && !slices.ContainsFunc(rep.Result.Warnings, func(w string) bool { return strings.Contains(w, tt.wantWarn) }) {
				t.Errorf("warnings %q, want one containing %q", rep.Result.Warnings, tt.wantWarn)
			}
			fi, err := os.Stat(data)
			if err != nil {
				t.Fatal(err)
			}
			if searchable := fi.Mode().Perm()&0o001 != 0; searchable != (tt.wantKept > 0) || rep.Result.Searchable != searchable || fi.Mode().Perm()&0o004 != 0 {
				t.Errorf("data dir mode %v (Searchable %t), want o+x (never o+r) only when capabilities are kept", fi.Mode().Perm(), rep.Result.Searchable)
			}
			if tt.spawnErr != "" {
				if !strings.Contains(rep.SpawnErr, tt.spawnErr) {
					t.Errorf("starting a process as uid 61999: %q, want %q", rep.SpawnErr, tt.spawnErr)
				}
				return
			}
			if rep.SpawnErr != "" || rep.KillErr != "" {
				t.Fatalf("start a process as uid 61999: %q, kill it: %q", rep.SpawnErr, rep.KillErr)
			}
			t.Logf("kept: %v; child status %v", rep.Result.Kept, rep.Child)
			want := map[string]string{"Uid": "61999 61999 61999 61999", "Groups": "", "CapInh": none, "CapPrm": none, "CapEff": none, "CapAmb": none}
			for k, v := range want {
				if rep.Child[k] != v {
					t.Errorf("child %s %q, want %q (full status %v)", k, rep.Child[k], v, rep.Child)
				}
			}
		})
	}
}
