#!/usr/bin/env bash
# cross.sh cross-compiles the static ddc binary for the platforms users
# run it on: linux/amd64 (PCs, most NAS), linux/arm64 (Raspberry Pi 4/5 on
# a 64-bit OS, ARM NAS) and linux/arm/v7 (Raspberry Pi 2/3, 32-bit OS).
# It fails when one does not build, and prints each binary's size. The
# binaries go to bin/cross/ddc-linux-<arch>. scripts/test.sh and
# `task cross` run it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh

out=bin/cross
mkdir -p "$out"
version="$(git describe --tags --always --dirty 2>/dev/null || echo dev)"
# platform: GOARCH and, for arm, GOARM.
for platform in amd64 arm64 arm/7; do
	arch="${platform%%/*}" goarm=""
	[[ "$platform" == */* ]] && goarm="${platform#*/}"
	name="ddc-linux-${arch}${goarm:+v$goarm}"
	CGO_ENABLED=0 GOOS=linux GOARCH="$arch" GOARM="$goarm" go build -tags nomsgpack -trimpath \
		-ldflags "-s -w -X main.version=${version}" -o "$out/$name" ./cmd/ddc
	printf 'cross: %-20s %10d bytes\n' "$name" "$(stat -c %s "$out/$name")" >&2
done
