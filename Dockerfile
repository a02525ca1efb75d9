# Sluice: one process per replica. Builds better-sqlite3 from source (no prebuilt binaries needed).
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY examples ./examples

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
