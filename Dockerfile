# Parcours, production image: the server compiled to JavaScript, the UI as static files, and only
# the runtime dependencies (no tsx, TypeScript, vite or React). The steps are those `.ci/run`
# runs: `npm ci`, `npm run build`, then `npm ci --omit=dev` beside dist/ and web/dist/.
#   docker build -t parcours .
#   docker run -p 3000:3000 -v parcours-data:/data parcours           # embedded database in /data
#   docker run -e DATABASE_URL=postgres://… parcours serve|worker      # on a PostgreSQL server
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 PARCOURS_DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/postinstall.mjs ./scripts/postinstall.mjs
COPY --from=build /app/web/dist ./web/dist
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 3000
# SIGTERM stops it gracefully within PARCOURS_SHUTDOWN_S (10 s): Docker's default grace is 10 s
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/parcours.mjs"]
CMD ["start"]
