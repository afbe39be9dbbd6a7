#!/usr/bin/env bash
# Runs every benchmark under bench/ (each prints its own figures), or only those whose name
# contains the first argument: `npm run bench -- verify`.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
for bench in bench/*"${1:-}"*.bench.ts; do
  [ -e "$bench" ] || continue
  echo "== ${bench}"
  npx tsx "$bench"
done
