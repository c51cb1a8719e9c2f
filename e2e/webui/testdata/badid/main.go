// Command badid is a plugin whose manifest names a path as its id
// ("../escaped"): an install must refuse it rather than write outside
// <data>/plugins. The web UI's install test uploads it.
package main

import (
	"fmt"
	"os"

	"github.com/ddc-go/ddc/sdk"
)

type plugin struct{}

func (plugin) Info() sdk.Info {
	return sdk.Info{ID: "../escaped", Name: "escaped", Version: "1.0.0", Description: "Names a path as its id."}
}

func main() {
	if err := sdk.Serve(plugin{}); err != nil {
		fmt.Fprintln(os.Stderr, "badid:", err)
		os.Exit(1)
	}
}
