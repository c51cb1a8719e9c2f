// Command safe reaches only strings.ToLower, which testdata/db marks
// vulnerable with no fixed version.
package main

import (
	"os"
	"strings"
)

func main() {
	os.Stdout.WriteString(strings.ToLower(os.Args[0]) + "\n")
}
