# syntax=docker/dockerfile:1
# Multi-stage: compile TypeScript with dev dependencies, ship only dist/ and production node_modules.

# Node 22 LTS (Node 20 reached end of life on 2026-04-30).
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no `prepare` build before the sources are here, no native add-on builds.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/bundle-cli.mjs ./scripts/
RUN npx tsc -p tsconfig.build.json \
 && node scripts/bundle-cli.mjs \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:22-bookworm-slim AS runtime
LABEL org.opencontainers.image.title="rke2-chatops" \
      org.opencontainers.image.description="Slack ChatOps bot for RKE2 certificate expiry, rotations and upgrades" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="0.1.0"
ENV NODE_ENV=production \
    PORT=3000 \
    RKE2_CHATOPS_CONFIG=/etc/rke2-chatops/rke2-chatops.yaml
WORKDIR /app
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json manifest.yml ./
COPY --chown=root:root bin ./bin
# The image's files belong to root and are read-only to the bot, which runs as the unprivileged
# `node` user (uid 1000, gid 1000) of the base image. Mount the inventory and SSH key read-only
# (compose does); the key must be readable by uid 1000: chown 1000:1000 keys/id_ed25519 && chmod 600.
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/livez').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM goes straight to node (exec form): the bot stops gracefully within 15 s.
STOPSIGNAL SIGTERM
# A 2 MB young generation per semi-space (V8's default is 16 MB): the bot's garbage is small and
# short-lived, so the smaller nursery costs only more frequent, tiny scavenges, and each process
# idles about 25-50 MB smaller; --optimize-for-size grows the heap in smaller steps (another 10-20 MB;
# ack latency and scan time unchanged in `npm run bench`). Issue 16 budgets; the flags of `npm start`.
CMD ["node", "--max-semi-space-size=2", "--optimize-for-size", "dist/main.js"]
