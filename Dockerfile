# attest service and ingest worker image.
FROM rust:1-bookworm AS build
RUN rustup toolchain install nightly --profile minimal
WORKDIR /src
COPY . .
RUN cargo +nightly build --release -p attest-service -p attest-ingest

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends curl poppler-utils python3 python3-pip unzip ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY scripts/setup.sh scripts/setup.sh
RUN ATTEST_MODELS_DIR=/app/models scripts/setup.sh
COPY --from=build /src/target/release/attest /src/target/release/attest-ingest /usr/local/bin/
ENV ATTEST_MODELS_DIR=/app/models ATTEST_DATA_DIR=/data ATTEST_ADDR=0.0.0.0:8080 ATTEST_LOG_FORMAT=json
EXPOSE 8080
CMD ["attest", "serve"]
