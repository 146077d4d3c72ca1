# routeops in a container (README "Running in a container"). Two stages: the build stage has the
# compilers better-sqlite3 may need and the dev dependencies (TypeScript); the runtime stage has
# neither, only the compiled code and the production node_modules, built on the same base image
# so the native module matches its Node. test/container/ checks this file against the repository.
ARG NODE_VERSION=22

FROM node:${NODE_VERSION}-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Dependencies first, so a change to the sources reuses this layer. Install scripts are off
# (`prepare` builds, and the sources are not here yet), then better-sqlite3's own one runs: a
# prebuilt binary when one can be downloaded, else a compile with the tools above.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY commands ./commands
COPY tools ./tools
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim
# HOST: listen on every interface of the container (routeops binds 127.0.0.1 without Slack
# otherwise). The database, and its journal folder beside it, live on the volume.
# ROUTEOPS_SHELL=0: a server even under `docker run -it` (a terminal would open the shell: HTTP
# off, the health check failing, logs in a file).
ENV HOST=0.0.0.0 \
    PORT=3000 \
    ROUTEOPS_DB=/data/routeops.db \
    ROUTEOPS_SHELL=0
WORKDIR /app
# Owned by root, read-only to the user routeops runs as; only /data is writable.
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json manifest.yml ./
COPY bin ./bin
COPY migrations ./migrations
RUN mkdir /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node is PID 1 and handles SIGTERM/SIGINT itself (src/app/main.ts: stop taking work, finish what
# is in flight, close the database). The flag is npm start's (README "Configuration").
CMD ["node", "--max-semi-space-size=32", "dist/src/app/main.js"]
