#!/bin/sh
# Runs every libFuzzer target of build/fuzz/bin/ (make MODE=fuzz fuzz-bins)
# for SECONDS each, JOBS at a time, on its seed corpus fuzz/corpus/<name>/
# and its dictionary fuzz/<name>.dict, and prints one line per target:
#
#   ok: <name> <runs> runs, <n> exec/s            or
#   FAILED: <name> ... (crash saved in build/fuzz/crashes/<name>-...)
#
# then a total ("fuzzing: N targets, N runs, N s"). Exits non-zero when a
# target crashed, leaked, hung or reported nothing.
#
#   sh scripts/fuzz.sh [SECONDS] [JOBS] [TARGET...]    (defaults: 60, 2, all)
#
# New inputs go to build/fuzz/corpus/<name>/, never into the seed corpus:
# a crash becomes a seed (and a unit test) by hand, once it is fixed. Each
# run is bounded by timeout(1) as well as -max_total_time.
set -u

SECONDS_EACH=${1:-60}
JOBS=${2:-2}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] && shift

cd "$(dirname "$0")/.." || exit 1
BIN=build/fuzz/bin
WORK=build/fuzz
LOGS=$WORK/logs

if [ $# -gt 0 ]; then
	TARGETS=$*
else
	TARGETS=$(find "$BIN" -maxdepth 1 -type f -perm -u+x \
	    -exec basename {} \; 2>/dev/null | sort)
fi
if [ -z "$TARGETS" ]; then
	echo "FAILED: no fuzz target in $BIN (make MODE=fuzz fuzz-bins)"
	exit 1
fi
mkdir -p "$LOGS" "$WORK/crashes"

# One target: its log in $LOGS/<name>.log, its verdict line on stdout.
run_one() {
	name=$1
	log=$LOGS/$name.log
	corpus=$WORK/corpus/$name
	mkdir -p "$corpus"
	set -- "$BIN/$name" -max_total_time="$SECONDS_EACH" \
	    -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
	    -max_len=65536 -artifact_prefix="$WORK/crashes/$name-"
	if [ -f "fuzz/$name.dict" ]; then
		set -- "$@" -dict="fuzz/$name.dict"
	fi
	set -- "$@" "$corpus"
	if [ -d "fuzz/corpus/$name" ]; then
		set -- "$@" "fuzz/corpus/$name"
	fi
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
	    timeout -k 10 $((SECONDS_EACH + 120)) "$@" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
	    tail -n 1)
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" |
	    tail -n 1)
	if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
		echo "ok: $name ${runs} runs, ${speed} exec/s"
	else
		crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" |
		    tail -n 1)
		echo "FAILED: $name exited $rc after ${runs:-?} runs" \
		    "${crash:+(input saved in $crash)}, see $log"
		grep -m 5 -E 'ERROR|property failed|SUMMARY' "$log" |
		    sed 's/^/    /'
	fi
}

START=$(date +%s)
OUT=$WORK/results.txt
: >"$OUT"
# JOBS at a time: a simple pool of background jobs.
running=0
for t in $TARGETS; do
	run_one "$t" >>"$OUT.$t" &
	running=$((running + 1))
	if [ "$running" -ge "$JOBS" ]; then
		wait
		running=0
	fi
done
wait
for t in $TARGETS; do
	cat "$OUT.$t" >>"$OUT"
	rm -f "$OUT.$t"
done
END=$(date +%s)
cat "$OUT"
total=$(sed -n 's/^ok: [^ ]* \([0-9][0-9]*\) runs.*/\1/p' "$OUT" |
    awk '{ s += $1 } END { print s + 0 }')
n=$(echo "$TARGETS" | wc -w)
echo "fuzzing: $n targets, $total runs, $((END - START)) s"
! grep -q '^FAILED' "$OUT"
