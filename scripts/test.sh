#!/bin/sh
# Runs the test suites and prints, as its very last line, "N passed, N failed".
#
#   sh scripts/test.sh [all]   the layer rule of the includes; static
#                              analysis (make lint); release build:
#                              unit tests, integration tests on SQLite and on
#                              a throwaway PostgreSQL cluster, the webhook,
#                              auth and admin tests again through nginx
#                              (deploy/nginx.conf, two instances), the
#                              deployment tests (tests/deploy/); then unit
#                              and integration tests under ASan + UBSan;
#                              last, each fuzz target (fuzz/) for
#                              FUZZ_SECONDS (30), one per core (2 to 4) at a time
#   sh scripts/test.sh asan    only the ASan + UBSan part
#
# Exits non-zero when a test failed or a step broke (a build that fails, a
# test binary that crashes or times out, a runner that reports nothing).
# Every step is bounded by timeout(1); the PostgreSQL cluster is always
# stopped. Logs of each step are kept in build/test-logs/.
set -u

WHAT=${1:-all}
case "$WHAT" in
all) MODES="release asan" ;;
asan) MODES="asan" ;;
*)
	echo "usage: sh scripts/test.sh [all|asan]" >&2
	exit 2
	;;
esac

cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
LOGS=$ROOT/build/test-logs
rm -rf "$LOGS"
mkdir -p "$LOGS"

# Some integration tests hold thousands of sockets (and so does the server
# they start): the soft limit on open files goes up to the hard one, which
# a test checks before it runs (dash and bash have ulimit -n and -H).
# shellcheck disable=SC3045
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

PASSED=0
FAILED=0
BROKEN=""
PG_DIR=""
PG_URL=""
START=$(date +%s)
# Parallel test files and fuzz targets: one per core, at least 2 (most
# integration tests wait on sockets and timers more than they compute), at
# most 4 (beyond that the timing tests share too little CPU).
CORES=$(nproc 2>/dev/null || echo 2)
PAR=$CORES
[ "$PAR" -lt 2 ] && PAR=2
[ "$PAR" -gt 4 ] && PAR=4

UNIT_TIMEOUT=300   # seconds, one unit test binary
FUZZ_SECONDS=${FUZZ_SECONDS:-30} # seconds, one fuzz target
SUITE_TIMEOUT=900  # seconds, one integration run (one backend, one build)
DEPLOY_TIMEOUT=2700 # seconds, tests/deploy/ (Docker image builds download)
BUILD_TIMEOUT=900

# Each step's heading carries the seconds since the start, so a slow step
# shows in the log.
say() {
	printf '\n==== %s (+%d s)\n' "$*" $(($(date +%s) - START))
}

broken() {
	echo "!!!! BROKEN: $*"
	BROKEN="$BROKEN
  $*"
	FAILED=$((FAILED + 1))
}

cleanup() {
	if [ -n "$PG_DIR" ]; then
		sh scripts/pg-cluster.sh stop "$PG_DIR" >/dev/null 2>&1 || true
		rmdir "$(dirname "$PG_DIR")" 2>/dev/null || true
		PG_DIR=""
	fi
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

# Last number on the lines of $2 matching the pattern $1 (sed -n regex
# with one group), summed over all matches.
sum_matches() {
	sed -n "s/$1/\\1/p" "$2" | awk '{ s += $1 } END { print s + 0 }'
}

build() {
	mode=$1
	say "build ($mode)"
	log=$LOGS/build-$mode.log
	if timeout -k 10 $BUILD_TIMEOUT make -j"$CORES" MODE="$mode" >"$log" 2>&1 &&
	    timeout -k 10 $BUILD_TIMEOUT make -j"$CORES" MODE="$mode" unit-bins \
	    >>"$log" 2>&1; then
		echo "ok: build/$mode/mysaas and the unit test binaries"
		return 0
	fi
	tail -n 40 "$log"
	broken "build ($mode), see $log"
	return 1
}

unit_tests() {
	mode=$1
	say "unit tests ($mode)"
	bins=$(find "build/$mode/tests" -type f -name '*_test' -perm -u+x \
	    2>/dev/null | sort)
	if [ -z "$bins" ]; then
		echo "(no unit test binaries)"
		return 0
	fi
	for bin in $bins; do
		name=$(echo "$bin" | sed "s|^build/$mode/tests/||")
		log=$LOGS/unit-$mode-$(echo "$name" | tr / -).log
		timeout -k 5 $UNIT_TIMEOUT "$bin" >"$log" 2>&1
		rc=$?
		p=$(sum_matches '^\[  PASSED  \] \([0-9][0-9]*\) test.*' "$log")
		f=$(sum_matches '^\[  FAILED  \] \([0-9][0-9]*\) test.*' "$log")
		PASSED=$((PASSED + p))
		FAILED=$((FAILED + f))
		if [ "$rc" -ne 0 ] || [ "$f" -gt 0 ]; then
			cat "$log"
			if [ "$f" -eq 0 ]; then
				broken "$name ($mode) exited $rc without a cmocka failure count (crash, sanitizer report or timeout)"
			fi
		elif [ "$p" -eq 0 ]; then
			cat "$log"
			broken "$name ($mode) ran no test"
		fi
		printf '%-28s %4d passed %4d failed%s\n' "$name" "$p" "$f" \
		    "$([ "$rc" -ne 0 ] && echo " (exit $rc)")"
	done
}

# The layer rule (docs/ARCHITECTURE.md): one test, plus one failure per
# include that breaks it.
layers() {
	say "layer rule (scripts/check-layers.sh)"
	log=$LOGS/layers.log
	timeout -k 5 60 sh scripts/check-layers.sh >"$log" 2>&1
	rc=$?
	cat "$log"
	f=$(grep -c ': includes "' "$log")
	if [ "$rc" -eq 0 ]; then
		PASSED=$((PASSED + 1))
	elif [ "$f" -gt 0 ]; then
		FAILED=$((FAILED + f))
	else
		broken "check-layers exited $rc without a report"
	fi
}

# Static analysis (make lint: clang-format, clang-tidy, cppcheck): one
# test, failed by any finding; the findings are printed, the whole report
# is in the log.
LINT_TIMEOUT=600
lint() {
	say "static analysis (make lint)"
	log=$LOGS/lint.log
	timeout -k 5 $LINT_TIMEOUT make lint >"$log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "ok: make lint"
		PASSED=$((PASSED + 1))
		return 0
	fi
	grep -E ': (error|warning): |not found|No such file' "$log" |
	    sort -u | head -n 100
	tail -n 3 "$log"
	echo "FAILED: make lint exited $rc, see $log"
	FAILED=$((FAILED + 1))
}

NODE_FLAGS=""
node_flags() {
	# --test-concurrency / --test-timeout exist from Node 20.10 on; older
	# runners use their own defaults (every test also has its own timeout).
	if node --test-concurrency=2 --test-timeout=1000 -e 0 >/dev/null 2>&1
	then
		NODE_FLAGS="--test-concurrency=$PAR --test-timeout=180000"
	fi
}

# integration MODE DB [NAME VIA FILES...]: one counted run of node's test
# runner; NAME labels it (default DB), VIA is MYSAAS_TEST_VIA_PROXY.
integration() {
	mode=$1
	db=$2
	name=$db
	via=
	if [ $# -gt 2 ]; then
		name=$3
		via=$4
		shift 4
	else
		set -- tests/integration/*.test.mjs
	fi
	say "integration tests ($mode, $name)"
	tap=$LOGS/integration-$mode-$(echo "$name" | tr ' /' '--').tap
	# Spec for the reader on stdout, TAP in a file for the counts.
	# shellcheck disable=SC2086
	MYSAAS_BIN=build/$mode/mysaas MYSAAS_TEST_DB=$db \
	    MYSAAS_TEST_PG_URL=$PG_URL MYSAAS_TEST_VIA_PROXY=$via \
	    timeout -k 10 $SUITE_TIMEOUT node --test $NODE_FLAGS \
	    --test-reporter=spec --test-reporter-destination=stdout \
	    --test-reporter=tap --test-reporter-destination="$tap" \
	    "$@"
	rc=$?
	p=$(sed -n 's/^# pass \([0-9][0-9]*\)$/\1/p' "$tap" 2>/dev/null | tail -n 1)
	f=$(sed -n 's/^# fail \([0-9][0-9]*\)$/\1/p' "$tap" 2>/dev/null | tail -n 1)
	c=$(sed -n 's/^# cancelled \([0-9][0-9]*\)$/\1/p' "$tap" 2>/dev/null | tail -n 1)
	s=$(sed -n 's/^# skipped \([0-9][0-9]*\)$/\1/p' "$tap" 2>/dev/null | tail -n 1)
	p=${p:-0}
	s=${s:-0}
	f=$((${f:-0} + ${c:-0}))
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
	echo "integration ($mode, $name): $p passed, $f failed, $s skipped"
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		broken "integration ($mode, $name): node exited $rc without a failure count"
	elif [ "$rc" -eq 0 ] && [ "$p" -eq 0 ] && [ "$s" -eq 0 ]; then
		broken "integration ($mode, $name) ran no test"
	fi
}

# The deployment (release build, PostgreSQL): the webhook, auth and admin
# tests once more, each server being two instances behind nginx configured
# by deploy/nginx.conf; then tests/deploy/ (nginx, the systemd unit, the
# Docker image and compose.yaml: each skips itself, saying why, when its
# tools are missing; the Docker one takes minutes where docker.io is
# installed, and MYSAAS_TEST_DOCKER=0 skips it).
deployment() {
	if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
		integration release postgres "postgres via nginx" nginx \
		    tests/integration/webhook_*.test.mjs \
		    tests/integration/auth_*.test.mjs \
		    tests/integration/admin_http.test.mjs
	else
		say "integration tests (release, postgres via nginx)"
		echo "skipped: nginx is not installed (sh scripts/bootstrap.sh test installs it)"
	fi
	# Node's per-test timeout also bounds a whole file: the Docker file
	# needs the run's.
	suite_timeout=$SUITE_TIMEOUT
	node_flags_saved=$NODE_FLAGS
	SUITE_TIMEOUT=$DEPLOY_TIMEOUT
	if [ -n "$NODE_FLAGS" ]; then
		NODE_FLAGS="--test-concurrency=2 --test-timeout=$((DEPLOY_TIMEOUT * 1000))"
	fi
	integration release postgres "deployment" "" tests/deploy/*.test.mjs
	SUITE_TIMEOUT=$suite_timeout
	NODE_FLAGS=$node_flags_saved
}

# The fuzz targets (fuzz/, STYLE.md 4): built with clang (MODE=fuzz), each
# run FUZZ_SECONDS on its seed corpus, PAR at a time (scripts/fuzz.sh); one
# test per target, failed by a crash, a sanitizer report, a leak or a hang.
fuzz() {
	say "fuzzing (each target ${FUZZ_SECONDS} s, $PAR at a time)"
	if ! command -v clang >/dev/null 2>&1; then
		echo "skipped: clang is not installed (sh scripts/bootstrap.sh test installs it)"
		return 0
	fi
	t0=$(date +%s)
	log=$LOGS/fuzz-build.log
	if ! timeout -k 10 $BUILD_TIMEOUT make -j"$CORES" MODE=fuzz fuzz-bins \
	    >"$log" 2>&1; then
		tail -n 40 "$log"
		broken "fuzz build, see $log"
		return 1
	fi
	t1=$(date +%s)
	log=$LOGS/fuzz.log
	n=$(find fuzz -maxdepth 1 -name '*.c' | wc -l)
	timeout -k 10 $((FUZZ_SECONDS * n + 600)) sh scripts/fuzz.sh \
	    "$FUZZ_SECONDS" "$PAR" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(grep -c '^ok: ' "$log")
	f=$(grep -c '^FAILED: ' "$log")
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		broken "fuzzing exited $rc without a verdict per target, see $log"
	fi
	echo "fuzzing step: $(($(date +%s) - t0)) s ($((t1 - t0)) s building)"
}

start_pg() {
	[ -n "$PG_URL" ] && return 0
	say "throwaway PostgreSQL cluster"
	parent=$(mktemp -d /tmp/mysaas-pg.XXXXXX) || return 1
	chmod 755 "$parent" # as root the cluster runs as "postgres"
	PG_DIR=$parent/cluster
	if PG_URL=$(timeout -k 5 120 sh scripts/pg-cluster.sh start "$PG_DIR"); then
		echo "$PG_URL"
		return 0
	fi
	PG_URL=""
	broken "cannot start the PostgreSQL cluster"
	return 1
}

if ! command -v node >/dev/null 2>&1; then
	broken "node is not installed (run: sh scripts/bootstrap.sh test)"
fi
node_flags
if [ "$WHAT" = all ]; then
	layers
	lint
fi

for mode in $MODES; do
	if [ "$mode" = asan ]; then
		ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
		LSAN_OPTIONS=print_suppressions=0
		if [ -f tests/lsan.supp ]; then
			LSAN_OPTIONS=$LSAN_OPTIONS:suppressions=$ROOT/tests/lsan.supp
		fi
		export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
	fi
	build "$mode" || continue
	unit_tests "$mode"
	integration "$mode" sqlite
	if start_pg; then
		integration "$mode" postgres
		if [ "$mode" = release ]; then
			deployment
		fi
	fi
done

cleanup
if [ "$WHAT" = all ]; then
	fuzz
fi
END=$(date +%s)
say "summary ($((END - START)) s)"
if [ -n "$BROKEN" ]; then
	echo "broken steps:$BROKEN"
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
