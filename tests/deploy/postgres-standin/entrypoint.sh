#!/bin/sh
# The official image's contract, as far as compose.yaml uses it: on the
# first start initialise PGDATA with POSTGRES_USER / POSTGRES_PASSWORD
# (scram-sha-256) and create POSTGRES_DB; then run the command as postgres.
set -eu
if [ "${1:-}" = postgres ]; then
	user=${POSTGRES_USER:-postgres}
	db=${POSTGRES_DB:-$user}
	mkdir -p "$PGDATA" /var/run/postgresql
	chown postgres:postgres "$PGDATA" /var/run/postgresql
	chmod 700 "$PGDATA"
	if [ ! -s "$PGDATA/PG_VERSION" ]; then
		pw=$(mktemp)
		printf '%s\n' "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is not set}" >"$pw"
		chown postgres "$pw"
		setpriv --reuid=postgres --regid=postgres --init-groups \
		    initdb -D "$PGDATA" -U "$user" --pwfile="$pw" \
		    -A scram-sha-256 --auth-local=trust -E UTF8 --locale=C.UTF-8
		rm -f "$pw"
		if [ "$db" != postgres ]; then
			echo "CREATE DATABASE \"$db\" OWNER \"$user\"" |
			    setpriv --reuid=postgres --regid=postgres --init-groups \
			    postgres --single -D "$PGDATA" postgres >/dev/null
		fi
	fi
	exec setpriv --reuid=postgres --regid=postgres --init-groups "$@"
fi
exec "$@"
