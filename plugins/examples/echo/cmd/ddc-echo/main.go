// Command ddc-echo is the echo example plugin as a standalone third-party
// plugin binary. Install it in <data>/plugins/echo/ with a plugin.yaml.
//
// It must never import host/: it is what a third party ships.
package main

import (
	"fmt"
	"os"

	"github.com/ddc-go/ddc/plugins/examples/echo"
	"github.com/ddc-go/ddc/sdk"
)

func main() {
	if err := sdk.Serve(echo.New()); err != nil {
		fmt.Fprintln(os.Stderr, "ddc-echo:", err)
		os.Exit(1)
	}
}
