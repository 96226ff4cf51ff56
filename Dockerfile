# syntax=docker/dockerfile:1
# snapbridge's container image: the static server and the compressed
# WebAssembly widget on distroless, as a non-root user, with no shell.
# The binaries are built by deploy/build.sh, the same script `make
# image-check` runs (Docker is not needed to check the build).
#
#   docker build --build-arg VERSION=$(git describe --always --dirty) -t snapbridge .
#   docker run --read-only -p 8080:8080 -e SNAPBRIDGE_DATABASE_URL=postgres://… snapbridge
#
# The server listens on 0.0.0.0:8080; it writes nothing to its own file
# system except an SQLite database under /var/lib/snapbridge when no
# PostgreSQL URL is set (mount a volume there for that single-machine case).

FROM --platform=$BUILDPLATFORM golang:1.26 AS build
ARG TARGETARCH
ARG VERSION=dev
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends brotli >/dev/null \
	&& rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN GOARCH=$TARGETARCH deploy/build.sh /out "$VERSION" && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/snapbridge /usr/local/bin/snapbridge
COPY --from=build /out/web/ /usr/share/snapbridge/web/
COPY --from=build --chown=65532:65532 /out/data/ /var/lib/snapbridge/
ENV SNAPBRIDGE_ADDR=0.0.0.0:8080 \
	SNAPBRIDGE_WASM_DIR=/usr/share/snapbridge/web \
	SNAPBRIDGE_DATA_DIR=/var/lib/snapbridge
USER 65532:65532
WORKDIR /var/lib/snapbridge
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/snapbridge"]
CMD ["serve"]
