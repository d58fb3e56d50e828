# Multi-stage build of the siaga server: one static-ish binary on a slim Debian, non-root,
# with its data on a volume (0700: siaga refuses a data dir others can read; a new named
# volume copies this mode, a bind-mounted folder must be chmod 700 by hand).
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY vendor ./vendor
COPY crates ./crates
COPY src ./src
COPY benches ./benches
COPY examples ./examples
COPY schema ./schema
# The operator console and GraphiQL, embedded in the binary (no Node.js needed).
COPY console ./console
COPY config.example.toml ./
RUN cargo build --release --locked --bin siaga

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates tini \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data siaga \
    && mkdir -p /data && chown siaga /data && chmod 700 /data
COPY --from=build /src/target/release/siaga /usr/local/bin/siaga
COPY config.example.toml /etc/siaga/config.example.toml
USER siaga
VOLUME ["/data"]
ENV SIAGA_DATA_DIR=/data SIAGA_LISTEN=0.0.0.0:8080 SIAGA_LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/siaga"]
CMD ["serve"]
