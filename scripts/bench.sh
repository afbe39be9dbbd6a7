#!/usr/bin/env bash
# Runs every benchmark under bench/ (each prints its own figures).
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
for bench in bench/*.bench.ts; do
  [ -e "$bench" ] || continue
  echo "== ${bench}"
  npx tsx "$bench"
done
