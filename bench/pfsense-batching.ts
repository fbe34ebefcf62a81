// Prints how many alias writes and applies a burst of concurrent blocks costs on the pfSense REST transport, with
// the per-alias batcher, against one-at-a-time calls. Run: npx tsx bench/pfsense-batching.ts [burst] [latencyMs]
import { createPfSenseEnforcer } from '../activities/enforcers/pfsense';
import { pfsenseSchema } from '../domain/config/enforcement';
import type { BlockRequest } from '../domain/types';
import { aliasBlockRule, FakePfRest } from '../test/fakes/pfsense-rest';

const burst = Number(process.argv[2] ?? 1000);
const latencyMs = Number(process.argv[3] ?? 5);
process.env.PALISADE_BENCH_PFREST_KEY = 'bench-key';

const ip = (i: number) => `10.${Math.floor(i / 65536) % 256}.${Math.floor(i / 256) % 256}.${i % 256}`;
const req = (i: number): BlockRequest => ({ blockId: `${ip(i)}#1`, ip: ip(i), target: `${ip(i)}/32`, direction: 'inbound', reason: 'bench', dryRun: false });

async function run(label: string, batchWindowMs: number, mode: 'sequential' | 'burst' | 'staggered', n: number) {
  const fake = new FakePfRest({ rules: [aliasBlockRule()], apiKey: 'bench-key', applyPolls: 2, latencyMs });
  const port = await fake.start();
  fake.aliases = [{ name: 'PALISADE_BLOCK', type: 'network', descr: '', address: [], detail: [] }];
  const e = createPfSenseEnforcer(pfsenseSchema.parse({
    host: '127.0.0.1', transports: ['rest'], batchWindowMs, rest: { scheme: 'http', port, apiKey: { env: 'PALISADE_BENCH_PFREST_KEY' } },
  }), { restApplyPollMs: 5 });
  const t0 = process.hrtime.bigint();
  if (mode === 'sequential') for (let i = 0; i < n; i++) await e.apply(req(i));
  else if (mode === 'burst') await Promise.all(Array.from({ length: n }, (_, i) => e.apply(req(i))));
  else {
    // One approval every 2 ms, as a stream rather than a burst.
    const pending = [];
    for (let i = 0; i < n; i++) {
      pending.push(e.apply(req(i)));
      await new Promise((r) => setTimeout(r, 2));
    }
    await Promise.all(pending);
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const present = fake.aliases[0].address.length;
  console.log(`${label.padEnd(34)} n=${String(n).padStart(5)} window=${String(batchWindowMs).padStart(4)}ms  writes=${String(fake.aliasWrites).padStart(5)}  applies=${String(fake.applyCalls).padStart(5)}  batches=${String(e.batchStats.batches).padStart(5)}  present=${present}  ${ms.toFixed(0)} ms`);
  await fake.close();
}

void (async () => {
  console.log(`pfSense REST batching, fake pfrest with ${latencyMs} ms latency per request`);
  await run('one at a time (awaited in turn)', 0, 'sequential', Math.min(burst, 200));
  for (const w of [0, 50, 250]) await run('concurrent burst', w, 'burst', burst);
  for (const w of [0, 50, 250]) await run('stream, one every 2 ms', w, 'staggered', Math.min(burst, 500));
})();
