# Palisade: one image for every role (palisade start --role worker|enforce-worker|api|all).
# TypeScript runs through tsx (a runtime dependency), so there is no build step and no dev dependencies.
FROM node:20-slim

ENV NODE_ENV=production \
    PALISADE_DATA_DIR=/data \
    PALISADE_TEMPORAL_DOWNLOAD=never

WORKDIR /app

# Dependencies first, so source edits do not invalidate the npm layer. The Temporal core bridge ships prebuilt for
# linux x64/arm64 glibc inside @temporalio/core-bridge, which node:20-slim (Debian) satisfies.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY bin ./bin
COPY cli ./cli
COPY api ./api
COPY activities ./activities
COPY domain ./domain
COPY runtime ./runtime
COPY workers ./workers
COPY workflows ./workflows
COPY tsconfig.json ./

RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080

ENTRYPOINT ["node", "/app/bin/palisade.js"]
CMD ["start", "--role", "all"]
