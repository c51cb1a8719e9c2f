#!/usr/bin/env bash
# image.sh builds the DDC image without pulling anything: it compiles a
# static bin/ddc with the Go release go.mod names (CGO_ENABLED=0), stages
# the image's root file system in bin/image (the binary, this machine's CA
# certificates, an empty /tmp), and builds the Dockerfile's "prebuilt"
# target from it. The final stage is FROM scratch, which is never pulled.
# `task image` runs it.
#
#   image.sh [TAG]      default tag ddc:local
#
# Environment: GOARCH (and GOARM) pick another architecture for the binary
# (the image is then for that architecture; the engine must run it);
# CA_CERTS names the CA bundle to copy (default: the Debian/Alpine path);
# IMAGE_CONTEXT the directory to stage in (default bin/image; emptied).
# Without the buildx plugin the classic builder is used (DOCKER_BUILDKIT=0),
# which builds only the stages before the prebuilt target.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh

tag="${1:-ddc:local}"
ctx="${IMAGE_CONTEXT:-bin/image}"
ca="${CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"
version="$(git describe --tags --always --dirty 2>/dev/null || echo dev)"
revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)"

[[ -s "$ca" ]] || { echo "image.sh: no CA bundle at $ca (install ca-certificates, or set CA_CERTS)" >&2; exit 1; }

rm -rf "$ctx"
mkdir -p "$ctx/rootfs/etc/ssl/certs" "$ctx/rootfs/tmp" "$ctx/rootfs-data"
chmod 1777 "$ctx/rootfs/tmp"
CGO_ENABLED=0 go build -tags nomsgpack -trimpath \
	-ldflags "-s -w -X main.version=${version}" -o "$ctx/rootfs/ddc" ./cmd/ddc
cp "$ca" "$ctx/rootfs/etc/ssl/certs/ca-certificates.crt"
chmod 0644 "$ctx/rootfs/etc/ssl/certs/ca-certificates.crt"

builder=()
if ! docker buildx version >/dev/null 2>&1; then
	builder=(env DOCKER_BUILDKIT=0)
fi
"${builder[@]}" docker build --target prebuilt -f Dockerfile \
	--build-arg "VERSION=${version}" --build-arg "REVISION=${revision}" \
	--build-arg "CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	-t "$tag" "$ctx" >&2
echo "image.sh: built $tag ($(docker image inspect -f '{{.Size}}' "$tag") bytes uncompressed)" >&2
