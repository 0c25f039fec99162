# syntax=docker/dockerfile:1
# Rigel's image: a static binary on distroless, running as a non-root user.
#   docker build -t ghcr.io/rigel-gitops/rigel:TAG \
#     --build-arg VERSION=TAG --build-arg REVISION=$(git rev-parse HEAD) .
# VERSION and REVISION are stamped into the binary (rigel_build_info); .git is not in the
# build context, so without them the image reports version devel and revision unknown.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
ARG VERSION=""
ARG REVISION=""
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -o /out/bot -ldflags "-s -w \
      -X github.com/rigel-gitops/rigel/internal/buildinfo.version=${VERSION} \
      -X github.com/rigel-gitops/rigel/internal/buildinfo.revision=${REVISION}" \
      ./cmd/bot

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/bot /bot
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/bot"]
