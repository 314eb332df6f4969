# SPDX-License-Identifier: ISC
# Sourced by the bench scripts: starts the baseline Kore module (one
# handler that answers 200, bench/rest_baseline.c) on a free port with the
# given workers, so a path's numbers can be printed next to what Kore alone
# reaches on the same machine in the same run.
#
#   baseline_start VARDIR WORKERS MODULE   sets baseline_port, baseline_pid
#   baseline_wrk CONNS SECONDS             prints "rps p50_ms p99_ms"
#
# The caller stops baseline_pid (SIGTERM) when done.

baseline_start() {
	local vardir="$1" workers="$2" module="$3" i
	baseline_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	mkdir -p "$vardir"
	cat >"$vardir/baseline.conf" <<CONF
server bench {
	bind 127.0.0.1 $baseline_port
	tls no
}
load $module
workers $workers
pidfile $vardir/baseline.pid
http_hsts_enable 0
http_keepalive_time 8
http_body_max 1048576
domain * {
	attach bench
	route ^/.*\$ baseline
}
CONF
	(cd "$vardir" && exec setsid kore -f -n -r -c "$vardir/baseline.conf") \
	    >"$vardir/baseline.log" 2>&1 &
	baseline_pid=$!
	for i in $(seq 1 100); do
		curl -fs -o /dev/null "http://127.0.0.1:$baseline_port/" &&
		    return 0
		sleep 0.1
	done
	echo "baseline: Kore never answered (see $vardir/baseline.log)" >&2
	return 1
}

baseline_wrk() {
	local conns="$1" seconds="$2" threads=2 r
	[ "$conns" -lt "$threads" ] && threads=$conns
	r=$(wrk -t"$threads" -c"$conns" -d"${seconds}s" --latency \
	    -s "$(dirname "${BASH_SOURCE[0]}")/rest-bench.lua" \
	    "http://127.0.0.1:$baseline_port/api/votes" | grep '^RESULT')
	sed -E 's/.* rps=([0-9.]+).* p50_ms=([0-9.]+).* p99_ms=([0-9.]+).*/\1 \2 \3/' <<<"$r"
}
