#!/usr/bin/env bash
# The project's test command: lint, typecheck, build, then every unit, integration and e2e test.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run --silent lint
npm run --silent typecheck
npm run --silent build
npx vitest run "$@"
