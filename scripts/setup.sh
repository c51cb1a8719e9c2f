#!/usr/bin/env bash
# setup.sh installs what DDC's tests need and makes a Docker engine
# available. It is idempotent: run it as often as you like. Installing
# Debian packages and starting dockerd need root; when everything is
# already there it runs as any user.
#
#   setup.sh        everything below
#   setup.sh tools  only the pinned Go tools (no root, no Docker)
#
#   Go release:      the one go.mod names (scripts/toolchain.sh exports
#                    GOTOOLCHAIN; the go command fetches it through the
#                    module proxy when the machine's Go is older)
#   Debian packages: docker.io (engine + CLI), protobuf-compiler (protoc,
#                    for the generated-code drift check), gcc (cgo for the
#                    race detector), chromium (headless browser tests),
#                    docker-compose (validates docker-compose.yml)
#   Go tools (pinned, rebuilt when the Go release changes): staticcheck,
#                    govulncheck, task; protoc-gen-go and protoc-gen-go-grpc
#                    are pinned in sdk/proto/gen.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh

log() { printf 'setup: %s\n' "$*" >&2; }

readonly staticcheck_version="v0.8.2"
readonly govulncheck_version="v1.9.0"
readonly task_version="v3.54.0"

install_debian_packages() {
	local missing=()
	command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
	command -v docker >/dev/null 2>&1 || missing+=(docker.io)
	command -v protoc >/dev/null 2>&1 || missing+=(protobuf-compiler)
	command -v gcc >/dev/null 2>&1 || missing+=(gcc libc6-dev) # go test -race needs cgo
	command -v chromium >/dev/null 2>&1 || missing+=(chromium)
	# compose validates docker-compose.yml (e2e/image); the docker CLI's
	# plugin will do, else Debian's standalone docker-compose.
	if ! command -v docker-compose >/dev/null 2>&1 && ! docker compose version >/dev/null 2>&1; then
		missing+=(docker-compose)
	fi
	if ((${#missing[@]} == 0)); then
		return 0
	fi
	if [[ "$(id -u)" != 0 ]]; then
		log "missing Debian packages: ${missing[*]}; run this script as root (sudo) to install them"
		exit 1
	fi
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >&2
	apt-get install -y -q --no-install-recommends $(printf '%s\n' "${missing[@]}" | sort -u) >&2
}

gobin="$(go env GOPATH)/bin"
goversion="$(go env GOVERSION)"
# install_tool NAME MODULE@VERSION VERSION-CHECK-STRING installs a Go tool
# unless the installed one reports the pinned version and was built by
# this Go release (analysers built by an older Go cannot read newer code).
install_tool() {
	local name="$1" mod="$2" want="$3" bin="$gobin/$1"
	if [[ -x "$bin" ]] && "$bin" --version 2>&1 | grep -qF -- "$want" &&
		[[ "$(go version "$bin" 2>/dev/null)" == "$bin: $goversion" ]]; then
		return 0
	fi
	log "go install $mod (with $goversion)"
	go install "$mod"
}

install_tools() {
	install_tool staticcheck "honnef.co/go/tools/cmd/staticcheck@${staticcheck_version}" "(${staticcheck_version#v})"
	install_tool govulncheck "golang.org/x/vuln/cmd/govulncheck@${govulncheck_version}" "govulncheck@${govulncheck_version}"
	install_tool task "github.com/go-task/task/v3/cmd/task@${task_version}" "${task_version#v}"
}

case "${1:-all}" in
tools)
	install_tools
	;;
all)
	go version >&2 # fetches the Go release go.mod names, once per machine
	install_debian_packages
	install_tools
	bash scripts/docker-engine.sh up
	;;
*)
	log "usage: setup.sh [tools]"
	exit 2
	;;
esac
