# Herald's image for the `api`, `worker` and `setup` services of docker-compose.yml.
# Build stage: all dependencies, TypeScript compiled, workflow bundle prebuilt (npm run build).
# Runtime stage: production dependencies and dist/ only; the worker loads the prebuilt bundle
# (HERALD_WORKFLOW_BUNDLE), so it never runs webpack at start.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: postinstall fetches the Temporal CLI, which only the embedded mode uses.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY config ./config
COPY scripts ./scripts
COPY src ./src
COPY core ./core
COPY workflows ./workflows
COPY activities ./activities
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HERALD_HOST=0.0.0.0 \
    HERALD_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000 9464
# The image runs against a Temporal cluster (TEMPORAL_ADDRESS); `npm start`'s embedded server is
# for development and is not in the image.
CMD ["node", "dist/src/main.js", "api"]
