# syntax=docker/dockerfile:1
# Rigel's image: a static binary on distroless, running as a non-root user.
#   docker build -t ghcr.io/rigel-gitops/rigel:TAG .

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/bot ./cmd/bot

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/bot /bot
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/bot"]
