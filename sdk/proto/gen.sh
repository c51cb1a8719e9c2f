#!/usr/bin/env bash
# gen.sh regenerates the Go code for the plugin protocol with pinned generator
# versions. Run it from anywhere; it needs protoc (Debian: protobuf-compiler).
set -euo pipefail
cd "$(dirname "$0")"
GOBIN="$(go env GOPATH)/bin"
go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.5.1
PATH="$GOBIN:$PATH" protoc -I . \
  --go_out=. --go_opt=paths=source_relative \
  --go-grpc_out=. --go-grpc_opt=paths=source_relative \
  ddc/plugin/v1/plugin.proto
