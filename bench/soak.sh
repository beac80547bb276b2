#!/bin/sh
# Memory over a long webhook run: fresh signed deliveries in rounds (each
# round signed just before it is sent, so timestamps stay fresh), the
# server's resident memory printed after each round, with its parts (heap,
# mapped files, SQLite's shared-memory WAL index).
# Usage: sh bench/soak.sh [MINUTES]   (default 5)
set -eu
cd "$(dirname "$0")/.."
BIN=${MYSAAS_BIN:-build/release/mysaas}
MIN=${1:-5}
SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
tmp=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
DATABASE_URL="sqlite:$tmp/soak.db" CLERK_WEBHOOK_SIGNING_SECRET=$SECRET LOG_LEVEL=warn \
	"$BIN" serve --port "$port" 2>"$tmp/server.log" &
pid=$!
i=0
until curl -fs "http://127.0.0.1:$port/api/v1/health" >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 200 ] || exit 1
	sleep 0.05
done
end=$(($(date +%s) + MIN * 60))
round=0
echo "round seconds deliveries_total rss_kb anon_kb file_kb shmem_kb"
total=0
while [ "$(date +%s)" -lt "$end" ]; do
	round=$((round + 1))
	node bench/webhook-gen.mjs "$SECRET" 150000 "$tmp/d.tsv"
	out=$(wrk -t2 -c32 -d15s -s bench/webhook.lua "http://127.0.0.1:$port" -- "$tmp/d.tsv" 2)
	n=$(echo "$out" | awk '/requests in/ {print $1}')
	total=$((total + n))
	# RSS and its parts: heap (anon), mapped files, SQLite's -shm index.
	parts=$(awk '/^(RssAnon|RssFile|RssShmem):/ {printf " %s", $2}' "/proc/$pid/status")
	echo "$round $(( $(date +%s) - end + MIN * 60 )) $total $(ps -o rss= -p "$pid" | tr -d ' ')$parts"
done
