#!/usr/bin/env bash
# `npm run bench`: prints every benchmark's figures (scan, Slack ack latency, orchestration overhead).
set -euo pipefail
cd "$(dirname "$0")/.."
RKE2_CHATOPS_SKIP_BROWSER=1 bash scripts/ensure-system-deps.sh
npm run --silent build
for b in bench/*.ts; do
  echo "== $b"
  npx tsx "$b"
done
