# syntax=docker/dockerfile:1
#
# amiroll's container image: the release binary on distroless (glibc, no shell), running as a
# non-root user.
#
#   docker build -t amiroll .
#   docker run --rm -p 8080:8080 \
#     -e AMIROLL_APP_ID=... -e AMIROLL_PRIVATE_KEY="$(cat app.pem)" -e AMIROLL_WEBHOOK_SECRET=... \
#     amiroll
#
# The binary is built with exactly the command a developer runs outside Docker:
#
#   cargo build --release --locked --bin amiroll      # -> target/release/amiroll
#
# The builder needs nothing beyond the rust:slim image: aws-lc-sys (rustls' crypto) compiles its C
# sources with the image's gcc using pre-generated bindings for x86_64/aarch64 Linux, so neither
# cmake, clang nor perl is required. Building for another target may need `cmake` and `clang`.

# Keep the Rust version in step with `rust-version` in Cargo.toml, and the Debian release in step
# with the runtime image (bookworm = Debian 12): the binary links the builder's glibc.
ARG RUST_IMAGE=rust:1.95-slim-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot

FROM ${RUST_IMAGE} AS builder
WORKDIR /src

# Dependencies first, in their own layer: it is rebuilt only when Cargo.toml or Cargo.lock
# change. Stub sources stand in for every target the manifest declares.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src benches \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && echo 'fn main() {}' > benches/hcl_set.rs \
    && cargo build --release --locked --bin amiroll \
    && rm -rf src benches target/release/amiroll target/release/deps/amiroll-* \
        target/release/deps/libamiroll-* target/release/.fingerprint/amiroll-*

# Then the crate itself. `touch` makes sure cargo sees the real sources as newer than the stubs.
COPY src ./src
COPY benches ./benches
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked --bin amiroll \
    && ./target/release/amiroll --version

FROM ${RUNTIME_IMAGE}

LABEL org.opencontainers.image.title="amiroll" \
      org.opencontainers.image.description="Rolls new ECS-optimized AMIs through a Terraform repository driven by Atlantis, staging first." \
      org.opencontainers.image.licenses="Apache-2.0"

# distroless/cc carries glibc, libgcc_s and the CA certificates the binary needs, and no shell.
COPY --from=builder /src/target/release/amiroll /usr/local/bin/amiroll

# The `nonroot` user (uid 65532) of the distroless image; amiroll writes nothing to disk, so the
# root filesystem can be mounted read-only.
USER nonroot

# Listen on every interface inside the container; `amiroll healthcheck` reads the same variable
# and checks the port on loopback.
ENV AMIROLL_LISTEN=0.0.0.0:8080
EXPOSE 8080

# No shell or curl here: the binary checks itself (GET /healthz, 2 s timeout, exit 0 or 1).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/amiroll", "healthcheck"]

ENTRYPOINT ["/usr/local/bin/amiroll"]
CMD ["serve"]
