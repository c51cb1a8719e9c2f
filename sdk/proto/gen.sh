#!/usr/bin/env bash
# gen.sh regenerates the Go code for the plugin protocol with pinned generator
# versions. It needs protoc (Debian: protobuf-compiler).
#
#   gen.sh          regenerate sdk/proto/ddc/plugin/v1/*.pb.go in place
#   gen.sh --check  regenerate into a temporary directory and fail when the
#                   committed code differs from what the .proto files give
set -euo pipefail
cd "$(dirname "$0")"
GOBIN="$(go env GOPATH)/bin"
go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.5.1

out=.
if [[ "${1:-}" == "--check" ]]; then
	out="$(mktemp -d)"
	trap 'rm -rf "$out"' EXIT
fi
PATH="$GOBIN:$PATH" protoc -I . \
  --go_out="$out" --go_opt=paths=source_relative \
  --go-grpc_out="$out" --go-grpc_opt=paths=source_relative \
  ddc/plugin/v1/plugin.proto
if [[ "$out" != . ]]; then
	for f in ddc/plugin/v1/plugin.pb.go ddc/plugin/v1/plugin_grpc.pb.go; do
		# protoc's own version is Debian's, not pinned here: leave its
		# header line out of the comparison.
		if ! diff -u -I '^//.*protoc  *v[0-9]' "$f" "$out/$f" >&2; then
			echo "gen.sh: $f is out of date with ddc/plugin/v1/plugin.proto; run 'task proto' and commit the result" >&2
			exit 1
		fi
	done
	echo "gen.sh: generated code matches the .proto files" >&2
fi
