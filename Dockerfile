# DDC image: one static binary on scratch. The bundled plugins are the same
# binary, re-run by the host as `ddc plugin NAME`. Besides /ddc the image
# holds the CA certificates, an empty /tmp (mode 1777) and /data; the zone
# database is compiled into the binary (time/tzdata), so TZ works.
#
# Two ways to build it, giving the same image:
#
#   docker build -t ddc .
#       compiles in a golang stage (needs to pull golang:*-bookworm)
#
#   task image            (scripts/image.sh: builds bin/ddc with the local
#                          Go, stages bin/image/rootfs, then runs)
#   docker build --target prebuilt -f Dockerfile -t ddc:local bin/image
#       takes the prebuilt root file system; pulls nothing (scratch is not
#       pulled), so it works on machines that cannot pull base images
#
# The stages come in this order so that the classic builder (no BuildKit),
# which builds every stage up to --target, never reaches the golang one for
# --target prebuilt.
#
# The image runs as 65532:65532. To use PUID/PGID (Unraid: 99/100), start
# it as root (--user 0:0); ddc then gives /data to PUID:PGID and drops to
# them itself, keeping only the mounted Docker socket's group and the
# capabilities that run third-party plugins as users of their own
# (internal/privdrop). See docker-compose.yml for the hardened settings.

# meta: everything both final stages share.
FROM scratch AS meta
ARG VERSION=dev
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="DDC" \
      org.opencontainers.image.description="Control a server's Docker containers from Discord: one static Go binary with gRPC plugins" \
      org.opencontainers.image.url="https://github.com/ddc-go/ddc" \
      org.opencontainers.image.source="https://github.com/ddc-go/ddc" \
      org.opencontainers.image.documentation="https://github.com/ddc-go/ddc#readme" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="scratch"
ENV DDC_DATA_DIR=/data \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    TZ=UTC
EXPOSE 9374
VOLUME /data
USER 65532:65532
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["/ddc", "healthcheck"]
ENTRYPOINT ["/ddc"]
CMD ["serve"]

# prebuilt: the root file system scripts/image.sh stages (context bin/image).
FROM meta AS prebuilt
COPY --chown=0:0 rootfs/ /
COPY --chown=65532:65532 rootfs-data/ /data/

# build: compile in Go's image (needs a pull).
FROM golang:1.27.3-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -tags nomsgpack -trimpath \
      -ldflags "-s -w -X main.version=${VERSION}" -o /out/rootfs/ddc ./cmd/ddc \
 && mkdir -p /out/rootfs/etc/ssl/certs /out/rootfs/tmp /out/rootfs-data \
 && chmod 1777 /out/rootfs/tmp \
 && cp /etc/ssl/certs/ca-certificates.crt /out/rootfs/etc/ssl/certs/

# image: the default target, from the build stage.
FROM meta AS image
COPY --from=build --chown=0:0 /out/rootfs/ /
COPY --from=build --chown=65532:65532 /out/rootfs-data/ /data/
