# mysaas in a container: a build stage (Debian 12 with the -dev packages and
# Node.js for the API docs' assets) and a runtime stage with only the
# libraries the binary links against.
#
#   docker build -t mysaas .
#   docker run -p 8000:8000 -v mysaas-data:/var/lib/mysaas mysaas
#
# Inside the container HOST is 0.0.0.0 and the SQLite database is
# /var/lib/mysaas/mysaas.db (a volume); set DATABASE_URL for PostgreSQL and
# the Clerk variables as usual (docker run -e / --env-file). compose.yaml
# runs two instances on PostgreSQL behind nginx.

FROM debian:bookworm AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        build-essential pkg-config ca-certificates nodejs npm \
        libmicrohttpd-dev libjansson-dev libsqlite3-dev libpq-dev libssl-dev \
        libsodium-dev libcurl4-openssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The npm packages first: this layer is rebuilt only when the lock changes.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY Makefile VERSION ./
COPY scripts/ scripts/
COPY src/ src/
RUN make -j"$(nproc)" MODE=release \
    && strip -o /mysaas build/release/mysaas \
    && /mysaas --version

FROM debian:bookworm-slim
# The shared libraries of the binary, and curl for the health check.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ca-certificates curl libmicrohttpd12 libjansson4 libsqlite3-0 libpq5 \
        libssl3 libsodium23 libcurl4 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 mysaas \
    && useradd --system --uid 10001 --gid mysaas --home-dir /var/lib/mysaas \
        --create-home --shell /usr/sbin/nologin mysaas
COPY --from=build /mysaas /usr/local/bin/mysaas
ENV HOST=0.0.0.0 \
    PORT=8000 \
    DATABASE_URL=sqlite:/var/lib/mysaas/mysaas.db
WORKDIR /var/lib/mysaas
VOLUME ["/var/lib/mysaas"]
USER mysaas
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD curl -fsS -o /dev/null "http://127.0.0.1:${PORT}/api/v1/health" || exit 1
ENTRYPOINT ["mysaas"]
CMD ["serve"]
