#!/usr/bin/env bash
# setup.sh installs what DDC's tests need and makes a Docker engine
# available. It is idempotent: run it as often as you like. Installing
# Debian packages and starting dockerd need root; when everything is
# already there it runs as any user.
#
#   Debian packages: docker.io (engine + CLI), protobuf-compiler (protoc,
#                    for the generated-code drift check), gcc (cgo for the
#                    race detector)
#   Go tools (pinned): staticcheck, task, protoc-gen-go, protoc-gen-go-grpc
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'setup: %s\n' "$*" >&2; }

readonly staticcheck_version="v0.8.2"
readonly task_version="v3.54.0"

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker >/dev/null 2>&1 || missing+=(docker.io)
command -v protoc >/dev/null 2>&1 || missing+=(protobuf-compiler)
command -v gcc >/dev/null 2>&1 || missing+=(gcc libc6-dev) # go test -race needs cgo
if ((${#missing[@]} > 0)); then
	if [[ "$(id -u)" != 0 ]]; then
		log "missing Debian packages: ${missing[*]}; run this script as root (sudo) to install them"
		exit 1
	fi
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >&2
	apt-get install -y -q --no-install-recommends $(printf '%s\n' "${missing[@]}" | sort -u) >&2
fi

gobin="$(go env GOPATH)/bin"
install_tool() { # NAME MODULE@VERSION VERSION-CHECK-STRING
	local name="$1" mod="$2" want="$3"
	if [[ -x "$gobin/$name" ]] && "$gobin/$name" --version 2>&1 | grep -qF -- "$want"; then
		return 0
	fi
	log "go install $mod"
	go install "$mod"
}
install_tool staticcheck "honnef.co/go/tools/cmd/staticcheck@${staticcheck_version}" "(${staticcheck_version#v})"
install_tool task "github.com/go-task/task/v3/cmd/task@${task_version}" "${task_version#v}"
# The protoc plugins are pinned in sdk/proto/gen.sh, which installs them.

bash scripts/docker-engine.sh up
