#!/bin/sh
# Checks the layer rule of docs/ARCHITECTURE.md: every #include "..." in
# src/ names a header of its own layer (folder) or of a lower one.
#
#   sh scripts/check-layers.sh [DIR]     DIR defaults to src
#
# Prints one line per include that points upward (or sideways, into a
# sibling of the same rank, or into a folder the table does not know), then
# a summary line; exits 1 when there was any.
set -u

cd "$(dirname "$0")/.." || exit 2
DIR=${1:-src}
if [ ! -d "$DIR" ]; then
	echo "check-layers: no folder $DIR" >&2
	exit 2
fi

# rank, then the layers of that rank (a folder under src/, or a file at
# its top). Keep in step with docs/ARCHITECTURE.md.
LAYERS='
0 core
1 db html clerk
2 accounts
3 http
4 app.h
5 auth
6 api admin pages docs
7 cli
8 routes.c main.c
'

find "$DIR" -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort |
    awk -v dir="$DIR" -v layers="$LAYERS" '
BEGIN {
	n = split(layers, rows, "\n")
	for (i = 1; i <= n; i++) {
		m = split(rows[i], w, " ")
		for (j = 2; j <= m; j++)
			rank[w[j]] = w[1]
	}
	checked = 0
	bad = 0
}
# The layer of a path relative to DIR: its first folder, or the file.
function layer(p,    k) {
	k = index(p, "/")
	return k > 0 ? substr(p, 1, k - 1) : p
}
function check(file, line, target,    from, to) {
	from = layer(substr(file, length(dir) + 2))
	to = layer(target)
	checked++
	if (!(from in rank)) {
		printf "%s:%d: includes \"%s\": %s is in no layer (add it to scripts/check-layers.sh and docs/ARCHITECTURE.md)\n", file, line, target, from
		bad++
	} else if (from == to) {
		return
	} else if (!(to in rank)) {
		printf "%s:%d: includes \"%s\": %s is in no layer\n", file, line, target, to
		bad++
	} else if (rank[to] >= rank[from]) {
		printf "%s:%d: includes \"%s\": %s (layer %d) may not include %s (layer %d)\n", file, line, target, from, rank[from], to, rank[to]
		bad++
	}
}
{
	file = $0
	nr = 0
	while ((getline l < file) > 0) {
		nr++
		if (l !~ /^[ \t]*#[ \t]*include[ \t]*"/)
			continue
		sub(/^[ \t]*#[ \t]*include[ \t]*"/, "", l)
		sub(/".*/, "", l)
		check(file, nr, l)
	}
	close(file)
}
END {
	printf "check-layers: %d include(s) checked, %d against the layer rule\n", checked, bad
	exit bad > 0 ? 1 : 0
}'
