# SPDX-License-Identifier: ISC
# Sourced by the bench scripts: starts the processes of one run so that
# every one of them can be found and stopped again, on every exit path
# (normal end, failure, saturation, INT/TERM, a caller's timeout).
#
# Each process is started in a session of its own (setsid), so its pid is
# also its process group and Kore's master and workers go together; each
# carries MARIMBA_RUN_MARKER=<run> in its environment, so that a process
# that escaped its group (double fork, re-parented to init) is still found
# by /proc/*/environ.
#
#   procs_init RUN                  marker for this run (BENCH_RUN_MARKER wins)
#   procs_spawn LOG CMD [ARG ...]   start CMD, append its pid to procs_pids,
#                                   set procs_last to it
#   procs_run CMD [ARG ...]         run CMD to its end (its status), marked,
#                                   as a child the shell waits for: a TERM
#                                   or INT to the bench is handled at once
#                                   instead of after CMD (bash runs traps
#                                   only between commands)
#   procs_stop GRACE_S PID ...      TERM those groups, KILL them after
#                                   GRACE_S, forget them (one process of a
#                                   run that goes on)
#   procs_stop_all [GRACE_S]        TERM every group, wait GRACE_S (5), KILL
#                                   what is left, by group and by marker
#   procs_alive                     pids still carrying the marker (prints)
#   procs_check                     1 and a message when any is alive
#
# The functions never fail the caller's `set -e`: a stop path that aborts
# half-way is how processes were left behind before.

procs_pids=()
procs_last=
procs_marker=

procs_init() {
	procs_marker=${BENCH_RUN_MARKER:-$1}
}

procs_spawn() {
	local log=$1
	shift
	MARIMBA_RUN_MARKER=$procs_marker setsid "$@" >>"$log" 2>&1 </dev/null &
	procs_last=$!
	procs_pids+=("$procs_last")
}

procs_run() {
	local pid rc=0 p keep=()
	MARIMBA_RUN_MARKER=$procs_marker "$@" &
	pid=$!
	procs_pids+=("$pid")
	wait "$pid" || rc=$?
	# Done: forget it, so a later stop never signals a reused pid.
	for p in "${procs_pids[@]}"; do
		[[ $p == "$pid" ]] || keep+=("$p")
	done
	procs_pids=("${keep[@]}")
	return "$rc"
}

# Pids of processes whose environment holds this run's marker.
# A bench that exports the marker (so that even daemons it has others
# start carry it) must not find the tr and grep of this scan: they run
# in a subshell without it.
procs_alive() {
	local f pid
	[[ -n $procs_marker ]] || return 0
	(
	unset MARIMBA_RUN_MARKER
	for f in /proc/[0-9]*/environ; do
		pid=${f#/proc/}
		pid=${pid%/environ}
		if tr '\0' '\n' 2>/dev/null <"$f" |
		    grep -qx "MARIMBA_RUN_MARKER=$procs_marker"; then
			# A zombie has no environ; a process that exits between
			# the glob and the read is simply skipped.
			echo "$pid"
		fi
	done
	)
}

procs_stop() {
	local grace=$1 p i left keep=()
	shift
	{
		for p in "$@"; do
			kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null
		done
		for ((i = 0; i < grace * 10; i++)); do
			left=0
			for p in "$@"; do
				kill -0 "$p" 2>/dev/null && left=1
			done
			((left == 0)) && break
			sleep 0.1
		done
		for p in "$@"; do
			kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null
		done
		for p in "$@"; do
			wait "$p" 2>/dev/null
		done
	} || true
	for p in "${procs_pids[@]}"; do
		[[ " $* " == *" $p "* ]] || keep+=("$p")
	done
	procs_pids=("${keep[@]}")
	return 0
}

procs_stop_all() {
	local grace=${1:-5} p i left
	{
		for p in "${procs_pids[@]}"; do
			kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null
		done
		for ((i = 0; i < grace * 10; i++)); do
			left=0
			for p in "${procs_pids[@]}"; do
				kill -0 "$p" 2>/dev/null && left=1
			done
			[[ -z $(procs_alive) ]] && ((left == 0)) && break
			sleep 0.1
		done
		for p in "${procs_pids[@]}"; do
			kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null
		done
		for p in $(procs_alive); do
			kill -KILL "$p" 2>/dev/null
		done
		for p in "${procs_pids[@]}"; do
			wait "$p" 2>/dev/null
		done
	} || true
	return 0
}

procs_check() {
	local left
	# No pipe to tr here: it would carry an exported marker itself.
	left=$(procs_alive)
	left=${left//$'\n'/ }
	if [[ -n $left ]]; then
		echo "bench: processes of run $procs_marker still alive: $left" >&2
		return 1
	fi
	return 0
}
