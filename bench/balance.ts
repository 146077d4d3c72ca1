// Balance benchmark (`npm run bench:balance`): prints figures, asserts nothing.
//
// 1. /balance with 5 providers from stored snapshots: 30 days of hourly snapshots each (3,600 in
//    all, a top-up every week) and a ledger of 50,000 rows on those providers; the whole view
//    (latest, a day and a week back, the week's events, the burn window, the ledger's days) and
//    its Reply, beside the baseline of the one query any answer needs (the latest snapshots).
//    Target < 20 ms.
// 2. A poll of 5 providers against local servers that answer after 40, 80, 120, 160 and 200 ms:
//    the wall time of pollBalances (reads concurrent: ≈ the slowest, 200 ms) beside the sum of
//    the delays (what reading them one after another would take, 600 ms).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { balanceReply } from '../commands/balance.js';
import { pollBalances } from '../src/features/balances/poll.js';
import { balanceView } from '../src/features/balances/view.js';
import { makeServices } from '../test/support/services.js';

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 21));
const DELAYS = [40, 80, 120, 160, 200];
const HOUR = 3_600_000;
const NOW = new Date('2026-11-23T12:00:00Z');

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(f: () => Promise<unknown>, runs = RUNS): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await f();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

async function listen(delayMs: number, amount: string): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { balance: amount } })), delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/balance` };
}

async function main(): Promise<void> {
  const servers = await Promise.all(DELAYS.map((d, i) => listen(d, `${100 + i}.25`)));
  const names = DELAYS.map((_, i) => `gw${i + 1}`);
  const providers = Object.fromEntries(
    names.map((name, i) => [name, { base_url: `http://127.0.0.1:1/${name}/v1`, api_key_env: 'BENCH_KEY', balance: { kind: 'json' as const, url: servers[i]!.url, field: 'data.balance', currency: 'USD' } }]),
  );
  const fixture = makeServices({ timezone: 'UTC', providers }, { now: NOW, secrets: { BENCH_KEY: 'sk-bench-0123456789' } });
  const { services } = fixture;
  try {
    // 30 days of hourly snapshots per provider: 1.00 an hour spent, 200.00 added every 7 days.
    const start = NOW.getTime() - 30 * 24 * HOUR;
    for (const [p, provider] of names.entries()) {
      let balance = 500_000_000_000n + BigInt(p) * 1_000_000_000n;
      for (let h = 0; h < 30 * 24; h++) {
        balance -= 1_000_000_000n;
        if (h % (7 * 24) === 0 && h > 0) balance += 200_000_000_000n;
        await services.store.balances.record({ provider, kind: 'json', currency: 'USD', balance_nano: balance, available: null, at: new Date(start + h * HOUR).toISOString(), detail: {} });
      }
    }
    const rows = Array.from({ length: 50_000 }, (_, i) => ({
      ts: new Date(start + Math.floor((i * 30 * 24 * HOUR) / 50_000)).toISOString(),
      provider: names[i % names.length]!,
      model: 'bench-model',
      input_tokens: 1000,
      cached_input_tokens: 0,
      output_tokens: 100,
      reasoning_tokens: 0,
      cost_usd: '0.0144',
      request_id: `bench-${i}`,
    }));
    await services.ledger.record(rows, 'import');

    const view = await timed(async () => balanceReply(await balanceView(services, NOW)));
    const latest = await timed(() => services.store.balances.latest());
    const poll = await timed(() => pollBalances(services, { now: NOW, record: false }), 7);
    const out = [
      ['/balance, 5 providers from stored snapshots (view + Reply)', `${view.toFixed(2)} ms`, '< 20 ms'],
      ['  baseline: the latest snapshots alone', `${latest.toFixed(2)} ms`, ''],
      ['poll of 5 providers (40–200 ms each), wall', `${poll.toFixed(1)} ms`, '≈ slowest (200 ms)'],
      ['  baseline: the delays one after another', `${DELAYS.reduce((a, b) => a + b, 0)} ms`, ''],
    ];
    for (const [what, ms, target] of out) console.log(`${what!.padEnd(62)} ${ms!.padStart(10)}  ${target}`);
    console.log(`(medians of ${RUNS} runs; the poll of 7; Node ${process.version})`);
  } finally {
    fixture.cleanup();
    for (const s of servers) s.server.close();
  }
}

await main();
