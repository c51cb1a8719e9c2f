// Command initcost imports package settings and does nothing else. Run
// with GODEBUG=inittrace=1, it shows what the package and its imports cost
// every process of a binary at start (TestInitCost).
package main

import _ "github.com/ddc-go/ddc/sdk/settings"

func main() {}
