#!/usr/bin/env bash
# Makes sure a Docker engine answers. As root on Debian it installs docker.io and starts dockerd
# in the background when none is running; elsewhere it says what to do. Exit 0 only when
# `docker info` answers.
set -euo pipefail

engine_answers() { docker info >/dev/null 2>&1; }

# The engine-restart and engine-fault tests start a dockerd of their own on a bridge they create
# with `ip` (iproute2).
if [ "$(id -u)" = "0" ] && [ -f /etc/debian_version ] && ! command -v ip >/dev/null 2>&1; then
  echo "ensure-docker: installing Debian's iproute2 package..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq iproute2 >/dev/null
fi

if command -v docker >/dev/null 2>&1 && engine_answers; then
  exit 0
fi

if [ -n "${DOCKER_HOST:-}" ]; then
  echo "ensure-docker: DOCKER_HOST=${DOCKER_HOST} does not answer; start that engine or unset DOCKER_HOST." >&2
  exit 1
fi

if [ "$(id -u)" != "0" ] || [ ! -f /etc/debian_version ]; then
  echo "ensure-docker: no Docker engine answers; install Docker Engine and start it (or run this script as root on Debian)." >&2
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  echo "ensure-docker: installing Debian's docker.io package..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq docker.io >/dev/null
fi

# Starts dockerd with the given extra flags and waits up to 60 s for it to answer.
# Returns 0 when it answers, 2 when it exited, 1 when it still runs without answering.
start_dockerd() {
  echo "ensure-docker: starting dockerd $* in the background (log: /var/log/msehome-dockerd.log)..." >&2
  nohup dockerd "$@" >>/var/log/msehome-dockerd.log 2>&1 &
  local pid=$!
  for _ in $(seq 1 60); do
    engine_answers && return 0
    kill -0 "$pid" 2>/dev/null || return 2
    sleep 1
  done
  return 1
}

if ! engine_answers; then
  # Inside a container without netfilter, dockerd cannot program iptables: retry without it
  # (published ports then go through docker-proxy, which is all msehome needs).
  status=0
  start_dockerd || status=$?
  if [ "$status" = 2 ]; then
    start_dockerd --iptables=false --ip6tables=false || true
  fi
fi

if ! engine_answers; then
  echo "ensure-docker: dockerd did not answer within 60 s; see /var/log/msehome-dockerd.log." >&2
  exit 1
fi
echo "ensure-docker: Docker engine $(docker version --format '{{.Server.Version}}') is ready." >&2
