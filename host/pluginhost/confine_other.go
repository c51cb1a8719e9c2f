//go:build !linux

package pluginhost

import "errors"

// confineThread: plugin users are implemented for Linux only.
func confineThread() error { return errors.New("plugin users are implemented for Linux only") }
