// Command calls reaches strings.ToUpper and strings.ToLower, which
// testdata/db marks vulnerable.
package main

import (
	"os"
	"strings"
)

func main() {
	os.Stdout.WriteString(strings.ToUpper(os.Args[0]) + strings.ToLower(os.Args[0]) + "\n")
}
