# Multi-stage build: a static binary in a small non-root runtime image.
# .ci/run builds with the same flags (CGO_ENABLED=0, -trimpath) since no
# Docker engine runs there.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/gateway .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/gateway /gateway
USER nonroot:nonroot
# The gateway listens on $PORT when set (Clever Cloud sets it), else 8080.
ENV PORT=8080
EXPOSE 8080
ENTRYPOINT ["/gateway"]
