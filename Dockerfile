# Sluice: one process per replica. Builds better-sqlite3 from source (no prebuilt binaries needed).
# The web console is built in its own stage: its tools (esbuild, Preact) are dev dependencies.
FROM node:20-bookworm-slim AS web
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY scripts/build-web.ts ./scripts/
COPY web ./web
RUN npm run build:web

FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY examples ./examples
COPY --from=web /app/web/dist ./web/dist

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app /app
# Non-root, and nothing written outside /data (SQLite) and /tmp: the root filesystem can be read-only.
USER node
VOLUME ["/data", "/tmp"]
EXPOSE 8080
ENTRYPOINT ["node", "bin/sluice.js"]
CMD ["serve", "--config", "/etc/sluice/config.yaml"]
