package settings_test

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/ddc-go/ddc/internal/testkit/testbin"
)

// Every process of the ddc binary (the host and each bundled plugin) runs
// the init of every package in it, whether it validates settings or not.
// What package settings adds to the SDK must cost next to nothing there:
// no package-level work of its own, and no validator library that compiles
// metaschemas at start (santhosh-tekuri/jsonschema did: 1.7 MB, 21k
// allocations).
func TestInitCost(t *testing.T) {
	const budget = 64 << 10 // bytes allocated by the inits settings adds
	added := goListDeps(t, ".")
	for p := range goListDeps(t, "github.com/ddc-go/ddc/sdk") {
		delete(added, p)
	}
	for p := range added {
		if strings.Contains(p, "santhosh-tekuri") || strings.HasPrefix(p, "golang.org/x/text/message") {
			t.Errorf("package settings imports %s, whose init is heavy", p)
		}
	}

	bin, err := testbin.Build(t.TempDir(), "initcost", "./testdata/initcost")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("run %s: %v\n%s", bin, err, stderr.String())
	}
	var total int
	for _, line := range strings.Split(stderr.String(), "\n") {
		// init go.yaml.in/yaml/v4 @1.2 ms, 0.084 ms clock, 25752 bytes, 278 allocs
		f := strings.Fields(line)
		if len(f) < 10 || f[0] != "init" || f[len(f)-1] != "allocs" {
			continue
		}
		pkg := f[1]
		bytes, err := strconv.Atoi(f[len(f)-4])
		if err != nil {
			t.Fatalf("inittrace line %q: %v", line, err)
		}
		if pkg == "github.com/ddc-go/ddc/sdk/settings" && bytes != 0 {
			t.Errorf("package settings allocates %d bytes at init; want none", bytes)
		}
		if added[pkg] {
			total += bytes
			t.Logf("%s: %d bytes at init", pkg, bytes)
		}
	}
	if total > budget {
		t.Errorf("the packages settings adds to the SDK allocate %d bytes at init; budget %d", total, budget)
	}
}

// goListDeps returns the packages pkg imports, directly or not, with pkg.
func goListDeps(t *testing.T, pkg string) map[string]bool {
	t.Helper()
	out, err := exec.Command("go", "list", "-tags", "nomsgpack", "-deps", pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	deps := map[string]bool{}
	for _, p := range strings.Fields(string(out)) {
		deps[p] = true
	}
	return deps
}
