# syntax=docker/dockerfile:1
# assort for scale-out: one image runs an API replica (the default command), `worker`, `import` or any verb.
# Not built in this repository's CI (no Docker engine there): test/deploy/packaging.test.ts checks what it
# can (stages, user, healthcheck, and that the commands, flags, port and environment match the CLI).

# ---- build: compile TypeScript, keep production dependencies only
FROM node:20-bookworm-slim AS build
WORKDIR /app
# Native modules (better-sqlite3, usearch, sharp, onnxruntime) use prebuilt binaries; the toolchain is the fallback.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
# .npmrc: onnxruntime-node's install script must not download (onnxruntime-node-install=skip).
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# npm run build also compiles the WebAssembly kernels (scripts/) and the review console (web/).
COPY scripts ./scripts
COPY web ./web
RUN npm run build && npm prune --omit=dev

# ---- runtime: node, the compiled code, production node_modules; runs as the unprivileged "node" user
FROM node:20-bookworm-slim
ENV NODE_ENV=production
# Fewer glibc malloc arenas: the server's threads (SQLite writer, model, ANN index) otherwise each grow their own;
# measured start-up peak on a 250k-product store 619 MB → 543–551 MB (bench/README.md, bench:writes).
ENV MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
# Models, product vectors and indexes fetched from the store are cached here (a replica keeps no other state).
RUN mkdir -p /var/lib/assort && chown node:node /var/lib/assort
USER node
EXPOSE 8080
# Liveness of an API replica; `assort worker` containers override it (they listen on no port).
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/health?probe=live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/assort.js"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080", "--data-dir", "/var/lib/assort"]
