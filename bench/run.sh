#!/bin/sh
# Benchmarks against the real binary on loopback (wrk, 2 threads, 64
# keep-alive connections). Prints throughput, latency percentiles, the
# server's resident memory after the run and its start-up time.
# Usage: sh bench/run.sh [DURATION_SECONDS]
set -eu
cd "$(dirname "$0")/.."
BIN=${MYSAAS_BIN:-build/release/mysaas}
DUR=${1:-10}
tmp=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

free_port() {
	node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

port=$(free_port)
db="sqlite:$tmp/bench.db"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  version: $($BIN --version)"

DATABASE_URL=$db $BIN migrate >/dev/null
# Access log on: it is part of the cost of every request.
DATABASE_URL=$db $BIN serve --port "$port" 2>"$tmp/server.log" &
pid=$!
i=0
until curl -fs "http://127.0.0.1:$port/api/v1/health" >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 200 ] || { echo "server did not start"; exit 1; }
	sleep 0.05
done

echo "== GET /api/v1/health, wrk -t2 -c64 -d${DUR}s (after a 2 s warm-up)"
wrk -t2 -c64 -d2s "http://127.0.0.1:$port/api/v1/health" >/dev/null
wrk -t2 -c64 -d"${DUR}s" --latency "http://127.0.0.1:$port/api/v1/health" |
	grep -E 'Requests/sec|Latency|50%|90%|99%|Non-2xx|Socket errors'
echo "rss_kb_after_run=$(ps -o rss= -p "$pid" | tr -d ' ')"
kill "$pid"; wait "$pid" || true; pid=

echo "== start to listening, migrated SQLite database"
node bench/startup.mjs "$BIN" "$db" "$port" 20
