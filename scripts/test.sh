#!/usr/bin/env bash
# The project's test command: lint, typecheck, build, make sure a Docker engine answers and the
# simulation base image is current, then every unit, integration and e2e test.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run --silent lint
npm run --silent typecheck
npm run --silent build

if bash scripts/ensure-docker.sh; then
  bash scripts/build-base-image.sh
  # The remote-engine tests run sshd on an isolated engine's machine made of this machine's programs.
  if ! bash scripts/ensure-ssh.sh && [ "${CI:-}" = "true" ]; then
    exit 1
  fi
elif [ "${CI:-}" = "true" ]; then
  echo "test: CI runs the Docker tests and no Docker engine could be started." >&2
  exit 1
else
  echo "test: WARNING: no Docker engine answers; the Docker tests will be skipped." >&2
fi

npx vitest run "$@"
