// Which methods each route path answers, so that an undeclared method on a known path is a 405
// with `Allow` (RFC 9110) instead of the router's 404. Fastify's router has no such lookup for
// a concrete URL, so the paths are collected as routes are added and matched here.
import type { FastifyInstance } from 'fastify';

interface PathMethods {
  pattern: RegExp;
  methods: Set<string>;
}

/** "/v1/subscriptions/:id" → a regex over one concrete path; "*" matches the rest of the path. */
function toPattern(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) =>
      segment === '*'
        ? '.*'
        : segment.startsWith(':')
          ? '[^/]+'
          : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  return new RegExp(`^${source}$`);
}

export class AllowedMethods {
  private readonly byUrl = new Map<string, PathMethods>();

  add(url: string, methods: string | string[]): void {
    // The CORS plugin's catch-all preflight route ("OPTIONS *") would make every path "known".
    if (url === '*' || url === '/*') return;
    let entry = this.byUrl.get(url);
    if (!entry) this.byUrl.set(url, (entry = { pattern: toPattern(url), methods: new Set() }));
    for (const m of Array.isArray(methods) ? methods : [methods]) entry.methods.add(m.toUpperCase());
    if (entry.methods.has('GET')) entry.methods.add('HEAD');
  }

  /** The methods of the route paths this path matches (empty: an unknown path), sorted. */
  for(path: string): string[] {
    const out = new Set<string>();
    for (const { pattern, methods } of this.byUrl.values()) {
      if (pattern.test(path)) for (const m of methods) out.add(m);
    }
    return [...out].sort();
  }

  /** Collects every route added to `app` after this call, in any plugin. */
  static collect(app: FastifyInstance): AllowedMethods {
    const table = new AllowedMethods();
    app.addHook('onRoute', (route) => table.add(route.url, route.method));
    return table;
  }
}
