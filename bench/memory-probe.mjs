// Preloaded into the bench's worker child (`node --expose-gc --import ./bench/memory-probe.mjs
// src/main.ts worker`): answers a "memory" message over IPC with the process's own figures,
// after a full GC so the heap is what is live, not what waits to be collected. Plain JS:
// Node hands --import to the SDK's workflow thread too, where no TypeScript loader runs.
import { isMainThread } from 'node:worker_threads';

if (isMainThread && process.send) {
  process.on('message', (msg) => {
    if (msg !== 'memory') return;
    globalThis.gc?.();
    const m = process.memoryUsage();
    process.send?.({ rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external });
  });
  // The IPC channel must not keep the worker alive once main.ts has shut it down.
  process.channel?.unref();
}
