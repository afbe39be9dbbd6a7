#!/usr/bin/env bash
# Makes sure a Docker engine answers. As root on Debian it installs docker.io and starts dockerd
# in the background when none is running; elsewhere it says what to do. Exit 0 only when
# `docker info` answers.
set -euo pipefail

engine_answers() { docker info >/dev/null 2>&1; }

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

if ! engine_answers; then
  echo "ensure-docker: starting dockerd in the background (log: /var/log/msehome-dockerd.log)..." >&2
  nohup dockerd >/var/log/msehome-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    engine_answers && break
    sleep 1
  done
fi

if ! engine_answers; then
  echo "ensure-docker: dockerd did not answer within 60 s; see /var/log/msehome-dockerd.log." >&2
  exit 1
fi
echo "ensure-docker: Docker engine $(docker version --format '{{.Server.Version}}') is ready." >&2
