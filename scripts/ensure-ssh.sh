#!/usr/bin/env bash
# Makes sure the programs the remote-engine tests put on their isolated engine's machine are
# here: sshd and ssh-keygen (OpenSSH), besides what docker.io brings. As root on Debian it
# installs openssh-server and openssh-client; elsewhere it says what to install. The SSH service
# itself is never started on this machine: the tests run sshd inside their own container.
set -euo pipefail

missing() {
  local program
  for program in sshd ssh-keygen ldd; do
    PATH="$PATH:/usr/sbin:/sbin" command -v "$program" >/dev/null 2>&1 || return 0
  done
  return 1
}

if ! missing; then
  exit 0
fi

if [ "$(id -u)" != "0" ] || [ ! -f /etc/debian_version ]; then
  echo "ensure-ssh: the remote-engine tests need sshd and ssh-keygen; install OpenSSH (Debian: apt-get install openssh-server openssh-client)." >&2
  exit 1
fi

echo "ensure-ssh: installing Debian's openssh-server and openssh-client..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# policy-rc.d keeps the package from starting an SSH service on this machine.
policy=/usr/sbin/policy-rc.d
created_policy=false
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  created_policy=true
fi
status=0
apt-get install -y -qq --no-install-recommends openssh-server openssh-client >/dev/null || status=$?
if [ "$created_policy" = true ]; then rm -f "$policy"; fi
if [ "$status" != 0 ]; then
  echo "ensure-ssh: installing OpenSSH failed (apt-get exit $status)." >&2
  exit 1
fi
echo "ensure-ssh: OpenSSH is installed." >&2
