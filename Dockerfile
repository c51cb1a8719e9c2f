# DDC image: one static binary on scratch. The bundled plugins are the same
# binary, re-run by the host as `ddc plugin NAME`.
#
#   docker build -t ddc .
#
# Minimal for now; the image issue finishes it (multi-arch, non-root user
# with the docker group, healthcheck).
FROM golang:1.27.3-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -tags nomsgpack -trimpath \
      -ldflags "-s -w -X main.version=${VERSION}" -o /out/ddc ./cmd/ddc \
 && mkdir -p /out/data

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /out/ddc /ddc
COPY --from=build /out/data /data
ENV DDC_DATA_DIR=/data
EXPOSE 9374
VOLUME /data
ENTRYPOINT ["/ddc"]
CMD ["serve"]
