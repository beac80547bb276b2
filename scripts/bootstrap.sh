#!/bin/sh
# Installs what building (PROFILE=run) or testing (PROFILE=test) mysaas needs
# on Debian 12. Idempotent and quick when everything is already there: apt is
# only touched when a package is missing.
#
#   sh scripts/bootstrap.sh run|test
set -eu

PROFILE=${1:-}
case "$PROFILE" in
run | test) ;;
*)
	echo "usage: sh scripts/bootstrap.sh run|test" >&2
	exit 2
	;;
esac

cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

RUN_PKGS="build-essential pkg-config libmicrohttpd-dev libjansson-dev
libsqlite3-dev libpq-dev libssl-dev libsodium-dev libcurl4-openssl-dev sqlite3"
# clang and libclang-rt-N-dev (libFuzzer's runtime; N is the version the
# clang package installs, 14 on Debian 12) build the fuzz targets (make fuzz).
CLANG_V=$(apt-cache show clang 2>/dev/null |
    sed -n 's/^Depends: .*clang-\([0-9][0-9]*\).*/\1/p' | head -n 1)
TEST_PKGS="libcmocka-dev postgresql chromium wrk clang-format clang-tidy
cppcheck nginx-light clang libclang-rt-${CLANG_V:-14}-dev"

if [ "$(id -u)" -eq 0 ]; then
	SUDO=
elif command -v sudo >/dev/null 2>&1; then
	SUDO=sudo
else
	SUDO=none
fi

pkgs=$RUN_PKGS
if [ "$PROFILE" = test ]; then
	pkgs="$pkgs $TEST_PKGS"
fi
# Node.js builds too (the API docs embed the npm swagger-ui-dist package):
# whatever node is on the PATH is used; Debian's only if none.
if ! command -v node >/dev/null 2>&1; then
	pkgs="$pkgs nodejs npm"
elif ! command -v npm >/dev/null 2>&1; then
	pkgs="$pkgs npm"
fi

missing=
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done

if [ -n "$missing" ]; then
	echo "bootstrap: installing:$missing"
	if [ "$SUDO" = none ]; then
		echo "bootstrap: not root and no sudo: install these as root" >&2
		exit 1
	fi
	# Installing postgresql or nginx must not start the system's cluster or
	# web server: the tests run their own, on loopback. policy-rc.d (the
	# Debian way to say "start no services") is put in place for this
	# install only, unless the machine already has one.
	policy_added=
	case " $missing " in
	*" postgresql "* | *" nginx-light "*)
		if [ ! -e /usr/sbin/policy-rc.d ]; then
			printf '#!/bin/sh\nexit 101\n' |
			    $SUDO tee /usr/sbin/policy-rc.d >/dev/null
			$SUDO chmod 755 /usr/sbin/policy-rc.d
			policy_added=1
		fi
		;;
	esac
	rc=0
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q || rc=$?
	if [ "$rc" -eq 0 ]; then
		# shellcheck disable=SC2086
		$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		    --no-install-recommends $missing || rc=$?
	fi
	if [ -n "$policy_added" ]; then
		$SUDO rm -f /usr/sbin/policy-rc.d
	fi
	if [ "$rc" -ne 0 ]; then
		echo "bootstrap: apt-get failed (exit $rc)" >&2
		exit "$rc"
	fi
	# Nor at the next boot: the nginx installed here is the tests' (they
	# start it themselves), not a web server on port 80.
	case " $missing " in
	*" nginx-light "*)
		if [ -d /run/systemd/system ]; then
			$SUDO systemctl disable nginx.service >/dev/null 2>&1 || true
		fi
		;;
	esac
fi

# npm ci when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] ||
    [ -n "$(find package-lock.json \
    -newer node_modules/.package-lock.json 2>/dev/null)" ]; then
	echo "bootstrap: npm ci"
	npm ci --no-audit --no-fund --ignore-scripts
fi
