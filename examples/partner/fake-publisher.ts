// A stand-in for the publisher's API (Springest's Trainings API in the text): institutes and
// trainings in memory, served as JSON on 127.0.0.1, changed by the methods below. Herald's
// HERALD_API_BASE_URL points here, so the `url` of every change resolves to this server.
import Fastify from 'fastify';
import { toCatalog, type Catalog, type Institute, type Training } from './store';

export interface FakePublisher {
  url: string;
  putInstitute(institute: Institute): void;
  putTraining(training: Training): void;
  deleteTraining(id: number): void;
  /** Everything the API serves now, in the partner store's shape. */
  state(): Catalog;
  /** GET requests answered so far. */
  requests(): number;
  close(): Promise<void>;
}

export async function startFakePublisher(
  seed: { institutes?: Institute[]; trainings?: Training[] } = {},
): Promise<FakePublisher> {
  const institutes = new Map((seed.institutes ?? []).map((i) => [i.id, i]));
  const trainings = new Map((seed.trainings ?? []).map((t) => [t.id, t]));
  let served = 0;

  const app = Fastify({ logger: false });
  app.addHook('onRequest', async () => void served++);
  const notFound = { error: 'not_found' };

  app.get<{ Params: { id: string } }>('/institutes/:id', async (req, reply) => {
    const institute = institutes.get(Number(req.params.id));
    return institute ?? reply.code(404).send(notFound);
  });
  app.get<{ Params: { id: string } }>('/institutes/:id/trainings', async (req, reply) => {
    const id = Number(req.params.id);
    if (!institutes.has(id)) return reply.code(404).send(notFound);
    return [...trainings.values()].filter((t) => t.instituteId === id);
  });
  app.get<{ Params: { id: string } }>('/trainings/:id', async (req, reply) => {
    const training = trainings.get(Number(req.params.id));
    return training ?? reply.code(404).send(notFound);
  });

  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    putInstitute: (i) => void institutes.set(i.id, { ...i }),
    putTraining: (t) => void trainings.set(t.id, { ...t }),
    deleteTraining: (id) => void trainings.delete(id),
    state: () => toCatalog(institutes, trainings),
    requests: () => served,
    close: () => app.close(),
  };
}
