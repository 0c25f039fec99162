# syntax=docker/dockerfile:1
# Rigel's image: the static binary /rigel (built from ./cmd/bot) on distroless, running as a
# non-root user. One platform (the builder's):
#   docker build -t ghcr.io/rigel-gitops/rigel:TAG \
#     --build-arg VERSION=TAG --build-arg REVISION=$(git rev-parse HEAD) .
# Multi-arch (the build stage runs on the builder's platform and cross-compiles; no emulation):
#   docker buildx build --platform linux/amd64,linux/arm64 -t ghcr.io/rigel-gitops/rigel:TAG \
#     --build-arg VERSION=TAG --build-arg REVISION=$(git rev-parse HEAD) --push .
# VERSION and REVISION are stamped into the binary (rigel_build_info, `rigel version`); .git is
# not in the build context, so without them the image reports version devel and revision unknown.
#
# Base images are pinned by digest (the multi-platform index), the tag kept beside it for
# readers; Dependabot (.github/dependabot.yml) proposes new digests. To pin by hand:
#   docker buildx imagetools inspect golang:1.26.8   (the "Digest:" line)

# The official golang image sets GOTOOLCHAIN=local: its Go must be at least go.mod's go line.
FROM --platform=$BUILDPLATFORM golang:1.26.8@sha256:3c3e25a4da13fd0478eed2df1eb35a0e667094a7124d3993a6a1d30f71c17e79 AS build
# Rigel is built with go1.27.3, as the Makefile builds and tests it: the go command takes that
# toolchain from the Go module proxy, checked against the Go checksum database, so it is as
# pinned as the image. It carries the standard library's security fixes Go 1.26.8 lacks.
ENV GOTOOLCHAIN=go1.27.3
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
# Set by buildx from --platform (linux/amd64 when built with plain `docker build` on amd64).
ARG TARGETOS TARGETARCH
ARG VERSION=""
ARG REVISION=""
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -o /out/rigel -ldflags "-s -w \
      -X github.com/rigel-gitops/rigel/internal/buildinfo.version=${VERSION} \
      -X github.com/rigel-gitops/rigel/internal/buildinfo.revision=${REVISION}" \
      ./cmd/bot

FROM gcr.io/distroless/static-debian12:nonroot@sha256:b7bb25d9f7c31d2bdd1982feb4dafcaf137703c7075dbe2febb41c24212b946f
COPY --from=build /out/rigel /rigel
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/rigel"]
CMD ["serve"]
