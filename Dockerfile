# Letterbox: a mail sandbox. SMTP 1025, web inbox + API 8025, POP3 1110, IMAP 1143.
#   docker build -t letterbox .
#   docker run --rm -p 1025:1025 -p 8025:8025 -p 1110:1110 -p 1143:1143 letterbox
# Every option is a LETTERBOX_* variable (see `docker run --rm letterbox --help`).

# ---- build: compile the server and bundle the web inbox ----------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No sources yet: the build is the explicit step below, not npm's prepare.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json vite.config.ts ./
COPY server ./server
COPY ui ./ui
RUN npm run build

# ---- runtime: compiled JavaScript and production dependencies only ------------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    LETTERBOX_LISTEN_ALL=true
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The node image's unprivileged user; the ports are all above 1024.
USER node
EXPOSE 1025 8025 1110 1143
# No curl in slim images: Node 20's fetch asks the HTTP front whether the process is alive.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8025/livez').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop) lets open SMTP transactions finish, then exits 0.
ENTRYPOINT ["node", "dist/server/main.js"]
