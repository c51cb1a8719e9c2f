//go:build linux

package pluginhost

import (
	"runtime"

	"github.com/ddc-go/ddc/host/sandbox"
)

// confineThread sets no_new_privs on the calling thread, which is about to
// fork a plugin: the plugin inherits it. The supervisor goroutine is
// already locked to its thread; locking it once more, never to be undone,
// makes the thread die with the goroutine instead of going back to the
// runtime with no_new_privs set.
func confineThread() error {
	runtime.LockOSThread()
	return sandbox.NoNewPrivs()
}
