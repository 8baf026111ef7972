# Letterbox: a mail sandbox. SMTP 1025, web inbox + API 8025, POP3 1110, IMAP 1143.
#   docker build -t letterbox .
#   docker run --rm -p 1025:1025 -p 8025:8025 -p 1110:1110 -p 1143:1143 letterbox
# Every option is a LETTERBOX_* variable (see `docker run --rm letterbox --help`).

# ---- build: compile the server and bundle the web inbox ----------------------------------
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No sources yet: the build is the explicit step below, not npm's prepare.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json vite.config.ts ./
COPY server ./server
COPY ui ./ui
RUN npm run build

# ---- runtime: compiled JavaScript and production dependencies only ------------------------
FROM node:24-bookworm-slim AS runtime
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="Letterbox" \
      org.opencontainers.image.description="A mail sandbox for developers: SMTP catch-all, web inbox, Mailpit-compatible API, POP3 and IMAP" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT"
# Listen on every interface; keep the mail in /data (a volume), so it outlives the
# container; write the bound addresses where the health check reads them, so it follows
# --listen, --webroot and --ui-tls given as flags too.
ENV NODE_ENV=production \
    LETTERBOX_LISTEN_ALL=true \
    LETTERBOX_DATA_DIR=/data \
    LETTERBOX_PORTS_FILE=/tmp/letterbox-ports.json
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force \
    && mkdir /data && chown node:node /data
COPY --from=build /app/dist ./dist
VOLUME /data
# The node image's unprivileged user; the ports are all above 1024.
USER node
EXPOSE 1025 8025 1110 1143
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "dist/server/main.js", "healthcheck"]
# SIGTERM (docker stop) lets open SMTP transactions finish, then exits 0.
ENTRYPOINT ["node", "dist/server/main.js"]
