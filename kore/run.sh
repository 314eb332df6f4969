#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Starts the votes API in the foreground: Debian's kore binary with the
# marimba_kore.so module of a build tree, on
# $MARIMBA_BIND:$MARIMBA_HTTP_PORT (127.0.0.1 unless told otherwise).
# The configuration is made from conf/kore.conf.in under var/kore/, and
# the pid file goes there too. Every MARIMBA_* variable is passed on to
# the module (defaults in conf/marimba.env).
#
#   MARIMBA_HTTP_PORT=18080 kore/run.sh
#
# MARIMBA_BUILD_DIR	build tree holding kore/marimba_kore.so (build)
# MARIMBA_KORE_MODULE	module to load (overrides MARIMBA_BUILD_DIR)
# MARIMBA_KORE_WORKERS	worker processes (2)
# MARIMBA_KORE_VAR	directory for the config and pid file (var/kore)
# MARIMBA_KORE_TRACE	"yes" to log seccomp violations (seccomp_tracing)
# MARIMBA_KORE_WRAP	a command to run kore under (e.g. "strace -f -o f"):
#			threads the sandbox kills die silently, strace shows
#			the system call
#
# A module built with ASan/UBSan is detected and its runtimes preloaded
# into the (uninstrumented) kore binary.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# conf/marimba.env holds the defaults; the environment wins.
while IFS='=' read -r name value; do
	case "$name" in
	MARIMBA_*)
		if [ -z "${!name:-}" ]; then
			export "$name=$value"
		fi
		;;
	esac
done < <(grep -E '^MARIMBA_[A-Z_]+=' "$root/conf/marimba.env")

port="${MARIMBA_HTTP_PORT}"
bind="${MARIMBA_BIND:-127.0.0.1}"
module="${MARIMBA_KORE_MODULE:-$root/${MARIMBA_BUILD_DIR:-build}/kore/marimba_kore.so}"
workers="${MARIMBA_KORE_WORKERS:-2}"
vardir="${MARIMBA_KORE_VAR:-$root/var/kore}"
trace="${MARIMBA_KORE_TRACE:-no}"

if [ ! -f "$module" ]; then
	echo "run.sh: no module at $module (build first: scripts/build)" >&2
	exit 1
fi
case "$module" in
/*) ;;
*) module="$(cd "$(dirname "$module")" && pwd)/$(basename "$module")" ;;
esac

mkdir -p "$vardir"
vardir="$(cd "$vardir" && pwd)"
conf="$vardir/kore-$port.conf"
bodies="$vardir/bodies-$port"
mkdir -p "$bodies"
timeout="${MARIMBA_HTTP_TIMEOUT_S:-10}"
case "$timeout" in
''|*[!0-9]*) echo "run.sh: MARIMBA_HTTP_TIMEOUT_S must be seconds" >&2
	exit 1 ;;
esac
if [ "$timeout" -lt 2 ] || [ "$timeout" -gt 3600 ]; then
	echo "run.sh: MARIMBA_HTTP_TIMEOUT_S must be 2..3600" >&2
	exit 1
fi
sed -e "s|@BIND@|$bind|" -e "s|@PORT@|$port|" -e "s|@MODULE@|$module|" \
    -e "s|@BODY_DIR@|$bodies|" -e "s|@HTTP_TIMEOUT@|$timeout|" \
    -e "s|@KEEPALIVE@|$((timeout > 3 ? timeout - 2 : 1))|" \
    -e "s|@PIDFILE@|$vardir/kore-$port.pid|" -e "s|@WORKERS@|$workers|" \
    -e "s|@SECCOMP_TRACING@|$trace|" \
    "$root/conf/kore.conf.in" >"$conf"

# An ASan module in a plain kore binary needs the runtimes loaded first.
preload=""
for lib in $(ldd "$module" | awk '/lib(asan|ubsan)\.so/ { print $3 }'); do
	preload="${preload:+$preload:}$lib"
done
if [ -n "$preload" ]; then
	export LD_PRELOAD="$preload${LD_PRELOAD:+:$LD_PRELOAD}"
	# Leak checking needs ptrace, which the sandbox forbids.
	export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
fi

cd "$vardir"
# -f foreground, -n no chroot, -r keep the user: the sandbox is seccomp.
exec ${MARIMBA_KORE_WRAP:-} kore -f -n -r -c "$conf"
