#!/usr/bin/env bash
# test.sh runs DDC's whole test suite the way CI does: it installs what the
# tests need (scripts/setup.sh), checks the generated protocol code, format,
# vet and staticcheck, then runs every test against the real parts (a real
# Docker engine, real plugin subprocesses, the fake Discord on loopback).
#
# Run it as root on a fresh Debian machine with Go (it may install Debian
# packages and start dockerd). CI=true is set for the tests: a test whose
# real part is missing fails instead of skipping.
#
# Extra arguments go to `go test` (e.g. -run TestName, -v).
set -euo pipefail
cd "$(dirname "$0")/.."
export CI=true
export PATH="$(go env GOPATH)/bin:$PATH"
step() { printf '\n== %s\n' "$*" >&2; }

step "setup"
bash scripts/setup.sh

step "generated protocol code is up to date"
bash sdk/proto/gen.sh --check

step "gofmt"
unformatted="$(gofmt -l .)"
if [[ -n "$unformatted" ]]; then
	echo "gofmt: these files need formatting (run gofmt -w):" >&2
	echo "$unformatted" >&2
	exit 1
fi

step "Taskfile parses"
task --list >/dev/null

step "go vet"
go vet -tags nomsgpack ./...

step "staticcheck"
staticcheck -tags nomsgpack ./...

step "go test"
# -race: the host, the SDK and the plugins are concurrent code; the race
# detector needs cgo (gcc, installed by setup.sh).
CGO_ENABLED=1 go test -race -tags nomsgpack -count=1 -timeout 20m "$@" ./...
