#!/usr/bin/env bash
# `npm test`: everything CI needs, from a fresh Debian machine with only Node 20 and npm.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system-deps.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build
npx tsc -p tsconfig.json --noEmit
npx eslint --max-warnings=0 .
npx vitest run "$@"
