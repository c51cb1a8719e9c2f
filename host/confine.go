package host

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/ddc-go/ddc/config"
	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/host/sandbox"
)

// confinement readies the host for confining plugins and says how they are
// confined: the host becomes non-dumpable, config.yaml and the store become
// readable by the host's user only, and third-party plugins get their own
// users when the host may switch users. It logs once what plugins can
// reach. current returns the config in force.
func confinement(log *slog.Logger, dataDir string, current func() *config.Config) pluginhost.Confinement {
	if err := sandbox.NonDumpable(); err != nil {
		log.Warn("plugins of this host's user can read its environment and memory", "error", err)
	}
	private := []string{filepath.Join(dataDir, config.FileName), filepath.Join(dataDir, "ddc.db")}
	changed, err := sandbox.Private(private...)
	if err != nil {
		log.Error("cannot make the config and store private", "error", err)
	}
	for _, p := range changed {
		log.Warn("other users could read this file; made it readable by DDC's user only (mode 0600)", "file", p)
	}
	c := pluginhost.Confinement{
		DockerHost:  os.Getenv("DOCKER_HOST"),
		Grants:      func(id string) []string { return current().PluginCapabilities(id) },
		MemoryLimit: func(id string) int64 { return current().PluginMemoryLimit(id) },
	}
	c.Users = pluginUsers(log)
	if c.Users {
		warnOpenSocket(log, c.DockerHost)
	}
	log.Info("plugin memory limits", "soft", "GOMEMLIMIT at 90% of the limit",
		"enforced_by", "a watchdog that stops a plugin resident above its limit (checked every second)",
		"default_mib", pluginhost.DefaultMemoryLimit/sandbox.MiB, "bundled_default_mib", pluginhost.DefaultBundledMemoryLimit/sandbox.MiB)
	return c
}

// pluginUsers reports whether third-party plugins can run as their own
// users, and logs what they can reach either way.
func pluginUsers(log *slog.Logger) bool {
	ok, why := sandbox.CanSwitchUser()
	if ok {
		log.Info("third-party plugins run as their own users (uids from 61184), with no capabilities, no_new_privs and no supplementary groups; " +
			"they cannot read config.yaml, the store or the host's environment, and reach the Docker socket only if plugins.<id>.capabilities grants docker; " +
			"bundled plugins run as DDC's own user")
		return true
	}
	log.Warn(fmt.Sprintf("third-party plugins run as DDC's own user (uid %d) because DDC %s: "+
		"they can read config.yaml (with the bot token, if it is there), the store and every file this user can, "+
		"and use the Docker socket if this user can; only the host's environment and memory are closed to them. "+
		"Install only plugins you trust, or run DDC as root so that it runs them as their own users "+
		"(the image: start it as root with PUID and PGID and the capabilities docker-compose.yml adds)", os.Geteuid(), why))
	return false
}

// warnOpenSocket warns when every user may use the Docker socket: then
// no plugin user is kept from it, granted or not.
func warnOpenSocket(log *slog.Logger, dockerHost string) {
	path, ok := sandbox.DockerSocket(dockerHost)
	if !ok {
		return
	}
	if acc, err := sandbox.Socket(path); err == nil && acc.Everyone {
		log.Warn("every user may use the Docker socket (mode o+rw): every plugin can control Docker, granted or not; make it 0660", "socket", path)
	}
}
