# syntax=docker/dockerfile:1
#
# One image for every Faena deployable: the six service APIs, the six service workers, the workflow
# worker and the migrations Job. They share one lockfile and one node_modules, so one image (built
# once, tagged once) keeps every component on the same code; the Helm chart picks the entry point:
#
#   API              --import @faena/platform/telemetry/register services/<name>/src/main.ts
#   service worker   --import @faena/platform/telemetry/register services/<name>/src/worker.ts
#   workflow worker  --import @faena/platform/telemetry/register workflows/src/worker.ts
#   migrations       services/<name>/src/migrate.ts up
#
# Node 24 strips TypeScript types natively, so sources run as they are: no compile step. The
# workflow worker loads a workflow bundle prebuilt here (workflows/dist/workflow-bundle.js).
#
# Build:  docker build --build-arg VERSION=$(git describe --tags --always) -t faena:<tag> .

ARG NODE_VERSION=24.21.0
ARG DISTROLESS_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot

# --- manifests: only the package.json files, so dependency layers are cached across code changes --
FROM node:${NODE_VERSION}-bookworm-slim AS manifests
WORKDIR /src
COPY . .
RUN find . -type f ! -name package.json ! -path ./package-lock.json ! -path ./.npmrc -delete \
 && find . -type d -empty -delete

# --- build: full install (dev tools included) to prebuild the workflow bundle --------------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
ENV NODE_ENV=development
COPY --from=manifests /src/ ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund --loglevel=error
COPY . .
RUN node workflows/scripts/bundle.ts \
 && test -s workflows/dist/workflow-bundle.js

# --- prod: production dependencies only, then the sources (.dockerignore keeps node_modules out) -
FROM node:${NODE_VERSION}-bookworm-slim AS prod
WORKDIR /app
ENV NODE_ENV=production
COPY --from=manifests /src/ ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund --loglevel=error
COPY . .

# --- runtime: distroless Node 24, no shell, no npm, non-root (uid 65532) ------------------------
FROM ${DISTROLESS_IMAGE} AS runtime
ARG VERSION=0.0.0-dev
LABEL org.opencontainers.image.title="faena" \
      org.opencontainers.image.description="Faena APIs, workers, workflow worker and migrations" \
      org.opencontainers.image.source="https://github.com/faena/faena" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}"
WORKDIR /app
ENV NODE_ENV=production \
    SERVICE_VERSION=${VERSION} \
    PORT=3000 \
    HOST=0.0.0.0 \
    NODE_OPTIONS="--enable-source-maps"
# Files stay owned by root and read-only to the process; the root filesystem is read-only in the
# cluster too. Only /tmp (an emptyDir in the chart) is writable.
COPY --from=prod /app/package.json ./package.json
COPY --from=prod /app/node_modules ./node_modules
COPY --from=prod /app/services ./services
COPY --from=prod /app/workflows/package.json ./workflows/package.json
COPY --from=prod /app/workflows/src ./workflows/src
COPY --from=build /app/workflows/dist/workflow-bundle.js ./workflows/dist/workflow-bundle.js
USER 65532:65532
EXPOSE 3000 3001
ENTRYPOINT ["/nodejs/bin/node"]
CMD ["--import", "@faena/platform/telemetry/register", "services/identity/src/main.ts"]
