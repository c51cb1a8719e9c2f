package pluginhost

import (
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	goplugin "github.com/hashicorp/go-plugin"

	"github.com/ddc-go/ddc/host/sandbox"
	"github.com/ddc-go/ddc/sdk/grpcplugin"
)

// Memory limits of plugins that have none configured.
const (
	// DefaultMemoryLimit is a third-party plugin's memory limit: 256 MiB.
	DefaultMemoryLimit = 256 * sandbox.MiB
	// DefaultBundledMemoryLimit is a bundled plugin's: 64 MiB. Idle, the
	// containers and scheduler plugins are resident at about 18 MiB.
	DefaultBundledMemoryLimit = 64 * sandbox.MiB
)

// CapabilityDocker is the capability that gives a plugin the Docker
// socket: its group becomes the plugin user's only supplementary group.
const CapabilityDocker = "docker"

// WorkDirName is the directory inside an external plugin's directory that
// is its working directory, and the only one it may write when it runs as
// its own user.
const WorkDirName = "data"

// Confinement says how plugin processes are confined (see package
// sandbox). The zero value applies memory limits only.
type Confinement struct {
	// Users runs third-party plugins each under its own unprivileged user
	// and group (uid = gid), with no supplementary groups but granted
	// ones, no capabilities and no_new_privs. It needs a host that may
	// switch users (sandbox.CanSwitchUser). Bundled plugins are the host's
	// own executable and run as the host's user.
	Users bool
	// FirstUID and UIDs give the range plugin users come from: FirstUID
	// plus a hash of the plugin id, the next free one when two ids
	// collide. Defaults: 61184 and 1000 (61184-62183, inside the range
	// systemd keeps for dynamic users, clear of login users and nobody).
	FirstUID, UIDs uint32
	// DockerHost is DOCKER_HOST as the host sees it: it names the socket
	// whose group the docker capability grants.
	DockerHost string
	// Grants returns the capabilities an admin granted plugin id
	// (plugins.<id>.capabilities); nil grants none.
	Grants func(id string) []string
	// MemoryLimit returns plugin id's memory limit in bytes
	// (plugins.<id>.memory_limit); 0 (or a nil func) takes the default.
	MemoryLimit func(id string) int64
	// MemoryPoll is the interval of the memory watchdog: 1 s.
	MemoryPoll time.Duration
}

func (c Confinement) withDefaults() Confinement {
	if c.FirstUID == 0 {
		c.FirstUID = 61184
	}
	if c.UIDs == 0 {
		c.UIDs = 1000
	}
	if c.MemoryPoll <= 0 {
		c.MemoryPoll = time.Second
	}
	return c
}

// confiner hands out plugin users and applies a Confinement.
type confiner struct {
	Confinement
	mu    sync.Mutex
	uids  map[string]uint32 // by plugin id, stable while the host runs
	locks []*os.File        // the claims on uids (see claim), held while the host runs
}

func newConfiner(c Confinement) *confiner {
	return &confiner{Confinement: c.withDefaults(), uids: map[string]uint32{}}
}

// uid returns plugin id's user: FirstUID + hash(id) mod UIDs, the next
// free one if another plugin has it, or a user account or a running
// process uses it (the plugin's processes are killed by uid).
func (c *confiner) uid(id string) uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if u, ok := c.uids[id]; ok {
		return u
	}
	h := fnv.New32a()
	h.Write([]byte(id))
	taken := map[uint32]bool{}
	for _, u := range c.uids {
		taken[u] = true
	}
	n := h.Sum32() % c.UIDs
	for tries := uint32(0); tries < c.UIDs && (taken[c.FirstUID+n] || c.inUse(c.FirstUID+n) || !c.claim(c.FirstUID+n)); tries++ {
		n = (n + 1) % c.UIDs
	}
	c.uids[id] = c.FirstUID + n
	return c.uids[id]
}

// claim takes uid for this host: an exclusive lock on a file named for it
// in the temporary directory, held while the host runs. Two hosts on one
// machine (or two test hosts) that start plugins at the same moment would
// otherwise both find the uid unused, hand it out twice and, as plugins'
// processes are killed by uid, kill each other's plugins.
func (c *confiner) claim(uid uint32) bool {
	path := filepath.Join(os.TempDir(), fmt.Sprintf("ddc-plugin-uid-%d.lock", uid))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return false
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		return false
	}
	c.locks = append(c.locks, f)
	return true
}

// inUse reports whether uid is a user account or runs processes.
func (c *confiner) inUse(uid uint32) bool {
	if _, err := user.LookupId(strconv.FormatUint(uint64(uid), 10)); err == nil {
		return true
	}
	pids, err := sandbox.UserProcesses(uid)
	return err != nil || len(pids) > 0
}

func (c *confiner) granted(id, capability string) bool {
	return c.Grants != nil && slices.Contains(c.Grants(id), capability)
}

func (c *confiner) memoryLimit(d Descriptor) int64 {
	if c.MemoryLimit != nil {
		if l := c.MemoryLimit(d.ID); l > 0 {
			return l
		}
	}
	if d.Bundled {
		return DefaultBundledMemoryLimit
	}
	return DefaultMemoryLimit
}

// spawnConfig is what confining one start of a plugin decided.
type spawnConfig struct {
	memLimit int64
	sockets  *goplugin.UnixSocketConfig // nil unless the plugin has its own user
	ident    *sandbox.Identity
}

// prepare confines cmd, the process of plugin d: its soft memory limit,
// its working directory and, when plugins get their own users, its
// credentials. It runs on the supervisor's locked thread, right before
// the start.
func (c *confiner) prepare(d Descriptor, log interface{ Warn(string, ...any) }, cmd *exec.Cmd) (spawnConfig, error) {
	sc := spawnConfig{memLimit: c.memoryLimit(d)}
	cmd.Env = append(cmd.Env, sandbox.GoMemLimitEnv(sc.memLimit))
	if d.Bundled {
		return sc, nil
	}
	work := filepath.Join(d.Dir, WorkDirName)
	cmd.Dir = work
	if !c.Users {
		if err := os.MkdirAll(work, 0o700); err != nil {
			// Another user installed it: it runs in its own directory.
			log.Warn("cannot create the plugin's working directory; it runs in its plugin directory", "error", err)
			cmd.Dir = d.Dir
		}
		return sc, nil
	}
	uid := c.uid(d.ID)
	ident := sandbox.Identity{UID: uid, GID: uid}
	if c.granted(d.ID, CapabilityDocker) {
		if gid, err := c.dockerGroup(); err != nil {
			log.Warn("docker granted, but the plugin gets no access to the Docker socket", "error", err)
		} else {
			ident.Groups = []uint32{gid}
		}
	}
	if err := sandbox.Reachable(d.Path); err != nil {
		return sc, permanent(fmt.Errorf("the plugin's user (uid %d) cannot run its executable: %w", uid, err))
	}
	if err := sandbox.WorkDir(work, ident); err != nil {
		return sc, err
	}
	if err := confineThread(); err != nil {
		return sc, err
	}
	ident.Apply(cmd.SysProcAttr)
	sc.ident = &ident
	sc.sockets = &goplugin.UnixSocketConfig{Group: strconv.FormatUint(uint64(uid), 10)}
	return sc, nil
}

// dockerGroup returns the Docker socket's group, if members may use it.
func (c *confiner) dockerGroup() (uint32, error) {
	path, ok := sandbox.DockerSocket(c.DockerHost)
	if !ok {
		return 0, fmt.Errorf("DOCKER_HOST %q is not a unix socket: no group grants access to it", c.DockerHost)
	}
	acc, err := sandbox.Socket(path)
	if err != nil {
		return 0, err
	}
	if !acc.GroupRW {
		return 0, fmt.Errorf("docker socket %s: its group (gid %d) may not read and write it", path, acc.GID)
	}
	if acc.GID == 0 {
		return 0, fmt.Errorf("docker socket %s belongs to group root (gid 0), which a plugin never gets; give the socket a group of its own", path)
	}
	return acc.GID, nil
}

// checkAsks logs the capabilities a running plugin asks for but was not
// granted: it runs without them.
func (c *confiner) checkAsks(i *instance, mf grpcplugin.Manifest) {
	if i.desc.Bundled || !c.Users {
		return
	}
	for _, capability := range mf.Capabilities {
		if !c.granted(i.id, capability) {
			i.log.Warn("plugin asks for a capability an admin has not granted; it runs without it",
				"capability", capability, "grant_with", "plugins."+i.id+".capabilities: ["+capability+"]")
		}
	}
}

// killUser kills every process of the plugin's own user, if it has one:
// what it forked cannot outlive it by leaving its process group.
func (sc spawnConfig) killUser() {
	if sc.ident != nil {
		sandbox.KillUser(sc.ident.UID)
	}
}

// watchMemory starts the memory watchdog of the plugin process pid: over
// its limit, the plugin is killed and ends with an error saying so. The
// returned func stops the watchdog.
func (i *instance) watchMemory(pid int, sc spawnConfig, kill func()) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	limit := sc.memLimit
	w := sandbox.Watchdog{
		PID: pid, Limit: limit, Every: i.m.conf.MemoryPoll,
		Sampled: func(s sandbox.Sample) {
			i.mu.Lock()
			i.mem = s
			i.mu.Unlock()
		},
		Over: func(s sandbox.Sample) {
			err := fmt.Errorf("over its memory limit of %d MiB (%d MiB resident); stopped", limit/sandbox.MiB, s.RSS/sandbox.MiB)
			i.mu.Lock()
			i.memErr = err
			i.mu.Unlock()
			i.log.Error("plugin over its memory limit", "limit_mib", limit/sandbox.MiB, "rss_mib", s.RSS/sandbox.MiB)
			kill()
		},
	}
	if sc.ident != nil {
		uid := sc.ident.UID
		w.User = &uid
	}
	i.mu.Lock()
	i.memErr, i.memLimit, i.mem = nil, limit, sandbox.Sample{}
	i.mu.Unlock()
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	return func() {
		cancel()
		<-done
		i.mu.Lock()
		i.mem = sandbox.Sample{}
		i.mu.Unlock()
	}
}

// memoryError is the reason the memory watchdog stopped the plugin, if it did.
func (i *instance) memoryError() error {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.memErr
}
