// Package sandbox confines plugin processes with what the operating system
// offers an unprivileged Go program: the host made non-dumpable, a separate
// unprivileged user per plugin (no supplementary groups except granted
// ones, no capabilities, no_new_privs), memory limits (a soft one the Go
// runtime honours and an RSS watchdog that enforces a hard one), and file
// modes that keep the host's secrets to the host's user.
//
// It knows nothing of plugins' protocol: it must never import the plugin
// host, the SDK, the store or any plugin package (plugins/).
package sandbox
