#!/usr/bin/env bash
# docker-engine.sh makes a Docker engine available for DDC's real-Docker
# tests. It is safe to run more than once.
#
#   docker-engine.sh up           ensure a daemon answers on the default socket,
#                                 installing Debian's docker.io and starting
#                                 dockerd when needed (needs root)
#   docker-engine.sh second       start a second, separate daemon on its own
#                                 socket and print its DOCKER_HOST on stdout
#   docker-engine.sh stop-second  stop that second daemon (by its recorded PID)
#   docker-engine.sh status       report both daemons
#
# Daemons are started with --bridge=none --iptables=false --ip6tables=false:
# test containers use network mode "none" and must not touch the host
# firewall. State (logs, pid files, the second daemon's data) lives under
# ${TMPDIR:-/tmp}/ddc-docker and ${TMPDIR:-/tmp}/ddc-docker2. Progress goes
# to stderr; only "second" writes to stdout.
set -euo pipefail

readonly base="${TMPDIR:-/tmp}"
readonly state1="${base%/}/ddc-docker"
readonly state2="${base%/}/ddc-docker2"
readonly host2="unix://${state2}/docker.sock"
readonly wait_seconds="${DDC_DOCKER_WAIT:-60}"
readonly netflags=(--bridge=none --iptables=false --ip6tables=false)

log() { printf 'docker-engine: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# answers HOST reports whether a daemon answers on HOST ("" = default socket).
answers() {
	if [[ -n "$1" ]]; then
		DOCKER_HOST="$1" docker version --format '{{.Server.Version}}' >/dev/null 2>&1
	else
		env -u DOCKER_HOST -u DOCKER_CONTEXT docker version --format '{{.Server.Version}}' >/dev/null 2>&1
	fi
}

# wait_for HOST PID LOGFILE waits until the daemon answers, or fails with
# the tail of its log when it dies or the time runs out.
wait_for() {
	local host="$1" pid="$2" logfile="$3" i
	for ((i = 0; i < wait_seconds * 4; i++)); do
		if answers "$host"; then
			log "daemon ${host:-on default socket} answers (pid $pid)"
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			tail -n 30 "$logfile" >&2 || true
			die "dockerd (pid $pid) exited before answering; log: $logfile"
		fi
		sleep 0.25
	done
	tail -n 30 "$logfile" >&2 || true
	die "dockerd (pid $pid) did not answer within ${wait_seconds}s; log: $logfile"
}

# lock DIR serialises starts of one daemon between concurrent callers, such
# as test processes of several packages. The lock is released on exit.
lock() {
	mkdir -p "$1"
	exec 9>"$1/lock"
	if command -v flock >/dev/null 2>&1; then
		flock -w "$((wait_seconds * 2))" 9 || die "another docker-engine.sh holds $1/lock"
	fi
}

need_root() {
	[[ "$(id -u)" == 0 ]] || die "$1 needs root (run with sudo)"
}

install_docker() {
	if command -v dockerd >/dev/null 2>&1 && command -v docker >/dev/null 2>&1; then
		return 0
	fi
	need_root "installing docker.io"
	command -v apt-get >/dev/null 2>&1 || die "dockerd is missing and apt-get is not available; install Docker by hand"
	log "installing docker.io with apt-get"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >&2
	apt-get install -y -q --no-install-recommends docker.io >&2
	command -v dockerd >/dev/null 2>&1 || die "docker.io installed but dockerd is not on PATH"
}

# running PIDFILE prints the PID recorded in PIDFILE if that process is a
# live dockerd.
running() {
	local pid
	[[ -s "$1" ]] || return 1
	pid="$(<"$1")"
	[[ "$pid" =~ ^[0-9]+$ ]] || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	grep -q dockerd "/proc/$pid/cmdline" 2>/dev/null || return 1
	printf '%s\n' "$pid"
}

cmd_up() {
	if answers ""; then
		log "a daemon already answers on the default socket"
		return 0
	fi
	install_docker
	if answers ""; then
		log "a daemon answers on the default socket after installing"
		return 0
	fi
	# On a machine booted with systemd, installing docker.io starts
	# docker.service; give it its time rather than racing it for the socket.
	if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1 &&
		systemctl is-active --quiet docker.service docker.socket 2>/dev/null; then
		log "docker.service is starting under systemd; waiting for it"
		local i
		for ((i = 0; i < wait_seconds * 4; i++)); do
			if answers ""; then
				log "docker.service answers on the default socket"
				return 0
			fi
			sleep 0.25
		done
		die "docker.service did not answer within ${wait_seconds}s; see journalctl -u docker"
	fi
	need_root "starting dockerd"
	lock "$state1"
	if answers ""; then
		log "a daemon answers on the default socket"
		return 0
	fi
	local logfile="$state1/dockerd.log" pid
	if pid="$(running "$state1/launched.pid")"; then
		log "dockerd we started earlier (pid $pid) is still starting"
	else
		log "starting dockerd ${netflags[*]}, log in $logfile"
		nohup dockerd "${netflags[@]}" >"$logfile" 2>&1 </dev/null 9>&- &
		pid=$!
		echo "$pid" >"$state1/launched.pid"
	fi
	wait_for "" "$pid" "$logfile"
}

cmd_second() {
	local pid logfile="$state2/dockerd.log"
	if pid="$(running "$state2/launched.pid")" && answers "$host2"; then
		log "second daemon already running (pid $pid)"
		printf '%s\n' "$host2"
		return 0
	fi
	command -v dockerd >/dev/null 2>&1 || die "dockerd is missing; run '$0 up' first"
	need_root "starting a second dockerd"
	lock "$state2"
	if pid="$(running "$state2/launched.pid")" && answers "$host2"; then
		log "second daemon already running (pid $pid)"
		printf '%s\n' "$host2"
		return 0
	fi
	# A live dockerd that owns our --pidfile but was not launched by the
	# PID we recorded (an earlier caller's record was overwritten, or a
	# start raced a stop) is adopted while its socket exists; without one
	# it can never answer, so it is stopped. Starting another beside it
	# would fail on the pidfile and, worse, take the live one's socket.
	local owner
	if [[ -z "${pid:-}" ]] && owner="$(running "$state2/dockerd.pid")"; then
		if [[ -S "$state2/docker.sock" ]]; then
			log "adopting second dockerd (pid $owner), which owns $state2/dockerd.pid"
			pid="$owner"
			echo "$pid" >"$state2/launched.pid"
		else
			log "second dockerd (pid $owner) has no socket; stopping it"
			stop_pid "$owner"
		fi
	fi
	if [[ -z "${pid:-}" ]]; then
		mkdir -p "$state2/data" "$state2/exec"
		rm -f "$state2/docker.sock"
		log "starting second dockerd on $host2, log in $logfile"
		# Its own containerd namespaces keep it from seeing or cleaning up
		# the first daemon's containers if both share a system containerd.
		nohup dockerd "${netflags[@]}" \
			--host "$host2" \
			--data-root "$state2/data" \
			--exec-root "$state2/exec" \
			--pidfile "$state2/dockerd.pid" \
			--containerd-namespace ddc-docker2 \
			--containerd-plugins-namespace ddc-docker2-plugins \
			>"$logfile" 2>&1 </dev/null 9>&- &
		pid=$!
		# dockerd owns --pidfile and refuses to start if it names a live
		# process, so our own record of the PID goes in a separate file,
		# written now so stop-second works even if start-up fails half way.
		echo "$pid" >"$state2/launched.pid"
	else
		log "second daemon (pid $pid) is still starting"
	fi
	wait_for "$host2" "$pid" "$logfile"
	printf '%s\n' "$host2"
}

# stop_pid PID stops a dockerd: SIGTERM, then SIGKILL after wait_seconds.
stop_pid() {
	local pid="$1" i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < wait_seconds * 4; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.25
	done
	log "dockerd (pid $pid) did not stop within ${wait_seconds}s; killing it"
	kill -KILL "$pid" 2>/dev/null || true
	for ((i = 0; i < 40; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.25
	done
	die "dockerd (pid $pid) survived SIGKILL"
}

cmd_stop_second() {
	local pid owner stopped=0
	lock "$state2"
	if pid="$(running "$state2/launched.pid")"; then
		log "stopping second dockerd (pid $pid)"
		stop_pid "$pid"
		stopped=1
	fi
	# The daemon that owns the pidfile, if it is another one.
	if owner="$(running "$state2/dockerd.pid")" && [[ "$owner" != "${pid:-}" ]]; then
		log "stopping second dockerd (pid $owner), which owns $state2/dockerd.pid"
		stop_pid "$owner"
		stopped=1
	fi
	rm -f "$state2/launched.pid"
	if ((stopped)); then
		log "second dockerd stopped"
	else
		log "second daemon is not running"
	fi
}

cmd_status() {
	if answers ""; then log "default daemon: answers"; else log "default daemon: not answering"; fi
	if answers "$host2"; then log "second daemon: answers on $host2"; else log "second daemon: not running"; fi
}

case "${1:-}" in
up) cmd_up ;;
second) cmd_second ;;
stop-second) cmd_stop_second ;;
status) cmd_status ;;
*)
	echo "usage: $0 up|second|stop-second|status" >&2
	exit 2
	;;
esac
