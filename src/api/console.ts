// The Herald console (issue 18): a browser page served at /console by the API process, so it is
// same-origin with the JSON API it calls and needs no CORS. No build step: the page is ES
// modules (src/console/) plus Preact, htm, preact-iso and Pico CSS served from node_modules,
// tied together by an import map. It calls only the public JSON API; the one thing it reads
// besides is /console/config.json, which holds no secret (the Temporal UI's address).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { HeraldConfig } from '../config';

/** The browser code, served as is. */
export const CONSOLE_DIR = join(__dirname, '..', 'console');

/** Each library's folder as published, found through Node's resolution (hoisting-proof). */
const libraryDirs = (): Record<string, string> => {
  const at = (specifier: string) => dirname(require.resolve(specifier));
  return {
    preact: at('preact'), // dist/preact.mjs
    'preact-hooks': at('preact/hooks'), // hooks/dist/hooks.mjs
    htm: at('htm'), // dist/htm.mjs
    'htm-preact': join(at('htm'), '..', 'preact'), // preact/index.mjs
    'preact-iso': at('preact-iso/router'), // src/router.js
    pico: at('@picocss/pico'), // css/pico.min.css
  };
};

const IMPORT_MAP = JSON.stringify({
  imports: {
    preact: '/console/vendor/preact/preact.mjs',
    'preact/hooks': '/console/vendor/preact-hooks/hooks.mjs',
    htm: '/console/vendor/htm/htm.mjs',
    'htm/preact': '/console/vendor/htm-preact/index.mjs',
    'preact-iso/router': '/console/vendor/preact-iso/router.js',
  },
});

/** Content-Security-Policy: only this origin's scripts, plus the one inline import map by hash. */
function contentSecurityPolicy(): string {
  const hash = createHash('sha256').update(IMPORT_MAP).digest('base64');
  return [
    "default-src 'self'",
    `script-src 'self' 'sha256-${hash}'`,
    "style-src 'self'",
    // Pico draws checkboxes and select arrows with data: SVGs.
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ');
}

export interface ConsoleConfig {
  temporalUiUrl: string | null;
  namespace: string;
}

export const consoleRoutes: FastifyPluginAsync<{ config: HeraldConfig }> = async (app, { config }) => {
  const html = readFileSync(join(CONSOLE_DIR, 'index.html'), 'utf8').replace(
    '<!-- import map -->',
    `<script type="importmap">${IMPORT_MAP}</script>`,
  );
  const csp = contentSecurityPolicy();

  await app.register(fastifyStatic, {
    root: CONSOLE_DIR,
    prefix: '/console/app/',
    index: false,
    allowedPath: (path) => /\.(js|css)$/.test(path),
  });
  for (const [name, root] of Object.entries(libraryDirs())) {
    await app.register(fastifyStatic, {
      root,
      prefix: `/console/vendor/${name}/`,
      decorateReply: false,
      index: false,
      allowedPath: (path) => /\.(m?js|css)$/.test(path),
    });
  }

  const page = async (_request: unknown, reply: FastifyReply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', csp)
      // The key lives in sessionStorage; no page of the console is worth caching or referring from.
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .header('x-content-type-options', 'nosniff')
      .send(html);
  // Every console path is the same page: the router in the browser picks the view.
  app.get('/console', { schema: { hide: true } }, page);
  app.get('/console/*', { schema: { hide: true } }, page);

  app.get('/console/config.json', { schema: { hide: true } }, async () => {
    const body: ConsoleConfig = {
      temporalUiUrl: config.temporalUiUrl ?? null,
      namespace: config.temporal.namespace,
    };
    return body;
  });
};
