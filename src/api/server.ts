// Listens with the app from buildApp. Closing stops accepting, lets in-flight requests and
// their signals finish, then stops the routing table's timer (see buildApp's onClose).
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppDeps } from './app';

export interface ApiServer {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

export async function startApiServer(deps: AppDeps & { host: string; port: number }): Promise<ApiServer> {
  const { host, port, ...appDeps } = deps;
  const app = await buildApp(appDeps);
  await app.listen({ host, port });
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return { app, url: `http://${shownHost}:${actualPort}`, close: () => app.close() };
}
