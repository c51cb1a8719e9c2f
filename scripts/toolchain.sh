# toolchain.sh is sourced by DDC's scripts (not run). It exports GOTOOLCHAIN
# as the Go release go.mod names (its toolchain line, else its go line), so
# every go command the scripts start uses that release. A machine whose own
# Go is older (or that sets GOTOOLCHAIN=local, which makes the go command
# ignore go.mod's toolchain line) gets it from the Go module proxy once,
# like a module, and keeps it in the module cache.
#
# go.mod is the one place the release is named; the README's quick start
# repeats it and scripts/test.sh checks that the two agree.

ddc_gomod="$(dirname "${BASH_SOURCE[0]}")/../go.mod"
ddc_go_release="$(sed -n 's/^toolchain \(go[0-9][0-9.a-z]*\)$/\1/p' "$ddc_gomod")"
if [[ -z "$ddc_go_release" ]]; then
	ddc_go_release="go$(sed -n 's/^go \([0-9][0-9.a-z]*\)$/\1/p' "$ddc_gomod")"
fi
if [[ "$ddc_go_release" == go ]]; then
	echo "toolchain.sh: no go or toolchain line in $ddc_gomod" >&2
	exit 1
fi
export GOTOOLCHAIN="$ddc_go_release"
unset ddc_gomod
