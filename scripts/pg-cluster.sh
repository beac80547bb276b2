#!/bin/sh
# A throwaway PostgreSQL cluster for the tests: initdb into a folder, listen
# only on 127.0.0.1 (on a free port) and on a unix socket inside that folder,
# superuser mysaas/mysaas. Nothing of the system's own cluster is used.
#
#   sh scripts/pg-cluster.sh start DIR     create + start; prints the URL
#                                          postgres://mysaas:mysaas@127.0.0.1:PORT/postgres
#   sh scripts/pg-cluster.sh url DIR       prints the URL again
#   sh scripts/pg-cluster.sh halt DIR      stops the server, keeps the data
#   sh scripts/pg-cluster.sh resume DIR    starts it again on the same port
#   sh scripts/pg-cluster.sh stop DIR      stops the server and deletes DIR
#
# DIR must be empty or absent for start (it is created). As root, initdb and
# pg_ctl run as the "postgres" system user (initdb refuses root) and DIR is
# handed to that user. Everything is bounded: pg_ctl waits at most 30 s and a
# server that will not stop is killed by the PID in postmaster.pid.
set -eu

usage() {
	echo "usage: sh scripts/pg-cluster.sh start|url|halt|resume|stop DIR" >&2
	exit 2
}

[ $# -eq 2 ] || usage
CMD=$1
DIR=$2
case "$DIR" in
/*) ;;
*) DIR=$(pwd)/$DIR ;;
esac

find_bin() {
	if [ -n "${PG_BIN:-}" ]; then
		echo "$PG_BIN"
		return
	fi
	# The highest installed major version.
	b=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5n |
	    tail -n 1)
	if [ -z "$b" ] || [ ! -x "$b/initdb" ]; then
		echo "pg-cluster: no PostgreSQL server binaries in" \
		    "/usr/lib/postgresql/*/bin (apt-get install postgresql)" >&2
		exit 1
	fi
	echo "$b"
}

# Runs a command as the owner of the cluster.
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_ctl_start() {
	# -w: wait until it accepts connections (at most -t seconds).
	as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 30 \
	    -o "-p $1" start >/dev/null
}

url() {
	echo "postgres://mysaas:mysaas@127.0.0.1:$(cat "$DIR/port")/postgres"
}

server_pid() {
	if [ -f "$DIR/data/postmaster.pid" ]; then
		head -n 1 "$DIR/data/postmaster.pid"
	fi
}

halt() {
	[ -d "$DIR/data" ] || return 0
	pid=$(server_pid)
	[ -n "$pid" ] || return 0
	if ! as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast -w -t 30 stop \
	    >/dev/null 2>&1; then
		if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
			echo "pg-cluster: pg_ctl stop failed; killing $pid" >&2
			kill -9 "$pid" 2>/dev/null || true
			i=0
			while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
				sleep 0.1
				i=$((i + 1))
			done
		fi
	fi
}

random_port() {
	# 20000..59999, from the kernel's random source.
	n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	echo $((20000 + n % 40000))
}

port_busy() {
	# Something listening on port $1 already?
	command -v ss >/dev/null 2>&1 &&
	    ss -Htln "sport = :$1" 2>/dev/null | grep -q .
}

start() {
	if [ -e "$DIR" ] && [ -n "$(ls -A "$DIR" 2>/dev/null)" ]; then
		echo "pg-cluster: $DIR is not empty" >&2
		exit 1
	fi
	mkdir -p "$DIR"
	chmod 700 "$DIR"
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres: "$DIR"
		if ! runuser -u postgres -- test -w "$DIR"; then
			echo "pg-cluster: the postgres user cannot reach $DIR" \
			    "(is a parent folder private to root?)" >&2
			exit 1
		fi
	fi
	printf 'mysaas\n' >"$DIR/pwfile"
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres: "$DIR/pwfile"
	fi
	# Runs from DIR: initdb warns when it cannot read the current folder.
	if ! (cd "$DIR" && as_pg "$BIN/initdb" -D "$DIR/data" -U mysaas \
	    --pwfile="$DIR/pwfile" -A scram-sha-256 --auth-local=trust \
	    -E UTF8 --locale=C --no-sync >"$DIR/initdb.log" 2>&1); then
		cat "$DIR/initdb.log" >&2
		echo "pg-cluster: initdb failed" >&2
		exit 1
	fi
	rm -f "$DIR/pwfile"
	cat >>"$DIR/data/postgresql.conf" <<EOF
# throwaway test cluster
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
EOF
	tries=0
	while :; do
		if [ $tries -ge 8 ]; then
			cat "$DIR/server.log" >&2 || true
			echo "pg-cluster: cannot start PostgreSQL" >&2
			exit 1
		fi
		tries=$((tries + 1))
		port=$(random_port)
		if port_busy "$port"; then
			continue
		fi
		if (cd "$DIR" && pg_ctl_start "$port"); then
			break
		fi
	done
	echo "$port" >"$DIR/port"
	url
}

BIN=$(find_bin)
case "$CMD" in
start) start ;;
url) url ;;
halt) halt ;;
resume) (cd "$DIR" && pg_ctl_start "$(cat "$DIR/port")") ;;
stop)
	halt
	# Only ever delete a folder that this script made.
	if [ -f "$DIR/port" ] || [ -f "$DIR/data/PG_VERSION" ] ||
	    [ -f "$DIR/initdb.log" ]; then
		rm -rf "$DIR"
	fi
	;;
*) usage ;;
esac
