# Multi-stage build of the `gridline` server.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p gridline-api --bin gridline

FROM debian:bookworm-slim
RUN useradd --system --home /var/lib/gridline --create-home gridline
COPY --from=build /src/target/release/gridline /usr/local/bin/gridline
USER gridline
ENV GRIDLINE_LISTEN=0.0.0.0:8080 \
    GRIDLINE_DATA_DIR=/var/lib/gridline \
    GRIDLINE_LOG_FORMAT=json
VOLUME ["/var/lib/gridline"]
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/gridline"]
CMD ["serve"]
