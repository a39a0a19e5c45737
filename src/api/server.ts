// Listens with the app from buildApp. Closing stops accepting, lets in-flight requests and
// their signals finish, then stops the routing table's timer (see buildApp's onClose).
import type { FastifyInstance } from 'fastify';
import { localUrl } from '../local-url';
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
  return { app, url: localUrl(host, actualPort), close: () => app.close() };
}
