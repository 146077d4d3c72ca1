// Soak benchmark (`npm run bench:soak`): the real bot process (`node dist/src/app/main.js`, HTTP
// mode) is killed and started again on the same SQLite file, SIGKILL and SIGTERM in turn, for a
// few minutes, under a steady stream of signed /ask slash commands (answered by the provider
// simulator, streamed into the fake Slack) and back-to-back POST /v1/usage ingests. An ingest
// whose answer was lost in a kill is sent again, as a client should (its request_ids make that
// safe). At the end one more start replays the last journal, and it prints, never asserts:
//   - lost and duplicated rows (target 0 and 0): each /ask call the simulator served against the
//     ledger rows with its call id (sent as X-Client-Request-Id), each acknowledged ingest row
//     against the rows with its request_id; the rollup against the raw rows; integrity_check;
//   - the ack latency of the signed slash commands while ingests run (target p99 < 100 ms),
//     beside a baseline measured first in the same run: the same /ask stream with no ingest.
//
// Environment:
//   SOAK_SECONDS           length of the kill/restart phase (default 180)
//   SOAK_BASELINE_SECONDS  length of the no-ingest baseline (default 20)
//   SOAK_CYCLE_MS          how long the bot runs between kills (default 6000)
//   SOAK_ASK_EVERY_MS      one /ask sent every N ms (default 100)
//   SOAK_INGEST_ROWS       rows per ingest body (default 1000)
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { peekDb } from '../test/support/db.js';
import type { BotProcess } from '../test/support/bot-process.js';
import { ingest, RIG_SIGNING_SECRET, startFaultRig, type FaultRig } from '../test/support/fault-rig.js';
import { assertLedgerInvariants, servedCallIds } from '../test/support/ledger-invariants.js';
import { postSigned, slashCommandBody } from '../test/support/slack-request.js';
import { fmtInt, fmtMs, intEnv, percentile } from './stats.js';

const SOAK_MS = intEnv('SOAK_SECONDS', 180) * 1000;
const BASELINE_MS = intEnv('SOAK_BASELINE_SECONDS', 20) * 1000;
const CYCLE_MS = Math.max(1000, intEnv('SOAK_CYCLE_MS', 6000));
const ASK_EVERY_MS = Math.max(5, intEnv('SOAK_ASK_EVERY_MS', 100));
const INGEST_ROWS = Math.max(1, intEnv('SOAK_INGEST_ROWS', 1000));
const TARGET = { ackP99Ms: 100 };

const log = (msg: string) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The bot now running, and a promise of the next one while it is down. */
class Current {
  bot: BotProcess | null = null;
  /** When the running bot had started (performance.now()). */
  startedAt = 0;
  private waiting: Array<(b: BotProcess) => void> = [];
  set(b: BotProcess | null) {
    this.bot = b;
    this.startedAt = performance.now();
    if (b) for (const w of this.waiting.splice(0)) w(b);
  }
  next(): Promise<BotProcess> {
    return this.bot ? Promise.resolve(this.bot) : new Promise((r) => this.waiting.push(r));
  }
}

/** A bot is "warm" this long after its start (its first requests pay for compiling the code). */
const WARM_AFTER_MS = 2000;

interface Load {
  acks: number[];
  /** The acks of bots past their first WARM_AFTER_MS. */
  warmAcks: number[];
  /** /ask sent to a bot killed before it acked (no latency). */
  unacked: number;
  asks: number;
  stop(): Promise<void>;
}

/** Sends a signed /ask every ASK_EVERY_MS to whichever bot runs, timing each ack. */
function askStream(rig: FaultRig, current: Current): Load {
  let running = true;
  const load: Load = { acks: [], warmAcks: [], unacked: 0, asks: 0, stop: async () => void (running = false) };
  const sent = new Set<Promise<void>>();
  const one = async (bot: BotProcess, n: number) => {
    const body = slashCommandBody({ command: '/ask', text: `soak question ${n}`, user_id: `U0SOAK${n % 50}`, channel_id: `C0SOAK${n}`, response_url: `${rig.slack.baseUrl}/respond/${randomUUID()}` });
    const t0 = performance.now();
    const warm = t0 - current.startedAt >= WARM_AFTER_MS;
    try {
      const res = await postSigned(`${bot.url}/slack/events`, RIG_SIGNING_SECRET, body);
      await res.arrayBuffer();
      if (res.status !== 200) load.unacked++;
      else {
        load.acks.push(performance.now() - t0);
        if (warm) load.warmAcks.push(performance.now() - t0);
      }
    } catch {
      load.unacked++;
    }
  };
  const loop = (async () => {
    while (running) {
      const bot = await current.next();
      const p = one(bot, load.asks++);
      sent.add(p);
      void p.finally(() => sent.delete(p));
      await wait(ASK_EVERY_MS);
    }
    await Promise.all(sent);
  })();
  load.stop = async () => {
    running = false;
    await loop;
  };
  return load;
}

interface IngestLoad {
  /** request_ids of every batch acknowledged (HTTP 200). */
  acked: string[];
  batches: number;
  resent: number;
  stop(): Promise<void>;
}

/** Posts ingest batches back to back; a batch not acknowledged is sent again to the next bot. */
function ingestStream(current: Current): IngestLoad {
  let running = true;
  const out: IngestLoad = { acked: [], batches: 0, resent: 0, stop: async () => {} };
  const loop = (async () => {
    while (running) {
      const n = out.batches++;
      const rows = Array.from({ length: INGEST_ROWS }, (_, i) => ({ ts: '2026-03-02T10:00:00Z', provider: 'deepseek', model: 'deepseek-chat', input_tokens: 100 + (i % 90), output_tokens: 20, user: `U${i % 40}`, request_id: `soak-${n}-${i}` }));
      for (;;) {
        const bot = await current.next();
        const r = await ingest(bot, rows).catch(() => null);
        if (r?.status === 200) break;
        out.resent++;
        // Refused (busy) or the bot died under it: the next bot, or the same one a moment later.
        await Promise.race([bot.exited, wait(50)]);
      }
      out.acked.push(...rows.map((r) => r.request_id));
    }
  })();
  out.stop = async () => {
    running = false;
    await loop;
  };
  return out;
}

function summary(acks: number[]): string {
  return `n=${fmtInt(acks.length)}  p50 ${fmtMs(percentile(acks, 50))} ms  p99 ${fmtMs(percentile(acks, 99))} ms  max ${fmtMs(acks.length ? Math.max(...acks) : NaN)} ms`;
}

async function main(): Promise<void> {
  const loadBefore = loadavg()[0]!;
  const rig = await startFaultRig();
  const current = new Current();
  // Answers stream for a while, so kills find some of them mid-stream.
  rig.sim.setFaults('deepseek', { slowFirstTokenMs: 300 });
  try {
    log(`baseline: /ask every ${ASK_EVERY_MS} ms for ${BASELINE_MS / 1000} s, no ingest`);
    current.set(await rig.startBot());
    const baseline = askStream(rig, current);
    await wait(BASELINE_MS);
    await baseline.stop();

    log(`soak: ${SOAK_MS / 1000} s of kill/restart cycles every ${CYCLE_MS} ms, with ingests of ${INGEST_ROWS} rows back to back`);
    const asks = askStream(rig, current);
    const ingests = ingestStream(current);
    const kills: Record<string, number> = { SIGKILL: 0, SIGTERM: 0 };
    const started = Date.now();
    for (let cycle = 0; Date.now() - started < SOAK_MS; cycle++) {
      await wait(CYCLE_MS);
      const signal: NodeJS.Signals = cycle % 2 === 0 ? 'SIGKILL' : 'SIGTERM';
      const bot = current.bot!;
      current.set(null);
      const exit = await bot.kill(signal);
      kills[signal]!++;
      if (signal === 'SIGTERM' && exit.code !== 0) log(`a SIGTERM stop exited ${exit.code ?? exit.signal}`);
      current.set(await rig.startBot());
    }
    await asks.stop();
    await ingests.stop();
    // Let the last answers finish, then stop; one more start replays what the last stop left.
    const last = current.bot!;
    current.set(null);
    await last.kill('SIGTERM');
    const final = await rig.startBot();
    await final.kill('SIGTERM');

    const served = servedCallIds(rig.sim.requests);
    const facts = peekDb(rig.dbPath, (db) => {
      const calls = new Map<string, number>();
      for (const r of db.prepare(`SELECT call_id, COUNT(*) AS n FROM usage WHERE call_id IS NOT NULL GROUP BY call_id`).all() as Array<{ call_id: string; n: number }>) calls.set(r.call_id, r.n);
      const ingested = new Map<string, number>();
      for (const r of db.prepare(`SELECT request_id, COUNT(*) AS n FROM usage WHERE source = 'ingest' GROUP BY request_id`).all() as Array<{ request_id: string; n: number }>) ingested.set(r.request_id, r.n);
      const interrupted = db.prepare(`SELECT COUNT(*) FROM usage WHERE status = 'interrupted'`).pluck().get() as number;
      return { calls, ingested, interrupted };
    });
    const servedSet = new Set(served);
    const lostCalls = [...servedSet].filter((id) => !facts.calls.has(id)).length;
    const dupCalls = [...servedSet].filter((id) => (facts.calls.get(id) ?? 0) > 1).length;
    const unsent = [...facts.calls.keys()].filter((id) => !servedSet.has(id)).length;
    const lostIngest = ingests.acked.filter((id) => !facts.ingested.has(id)).length;
    const dupIngest = [...facts.ingested.values()].filter((n) => n > 1).length;
    let checks = 'rollup equals the raw rows, integrity_check ok, every served call one row';
    try {
      assertLedgerInvariants(rig.dbPath, { served });
    } catch (err) {
      checks = `FAILED: ${(err as Error).message.split('\n')[0]}`;
    }

    const out = [
      '',
      `Soak: ${SOAK_MS / 1000} s, ${kills.SIGKILL} SIGKILL + ${kills.SIGTERM} SIGTERM restarts of the bot process`,
      `  /ask sent ${fmtInt(asks.asks)} (${fmtInt(asks.unacked)} to a bot killed before its ack); upstream calls served ${fmtInt(served.length)}`,
      `  ledger: ${fmtInt(facts.calls.size)} call rows (${fmtInt(facts.interrupted)} interrupted, ${fmtInt(unsent)} of them begun but never reached the provider)`,
      `  ingest: ${fmtInt(ingests.batches)} batches of ${INGEST_ROWS} rows, ${fmtInt(ingests.resent)} sent again after a kill or refusal; ${fmtInt(ingests.acked.length)} rows acknowledged`,
      `  lost rows:       ${lostCalls + lostIngest} (calls ${lostCalls}, ingested ${lostIngest})   target 0`,
      `  duplicated rows: ${dupCalls + dupIngest} (calls ${dupCalls}, ingested ${dupIngest})   target 0`,
      `  checks: ${checks}`,
      `  the machine's 1-minute load average: ${loadBefore.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end (${String(availableParallelism())} CPUs)`,
      '',
      'Ack latency of signed /ask slash commands (ms):',
      `  baseline, no ingest:          ${summary(baseline.warmAcks)}`,
      `  while ingests run:            ${summary(asks.warmAcks)}   target p99 < ${TARGET.ackP99Ms} ms`,
      `  the same, with each bot's first ${WARM_AFTER_MS / 1000} s after a restart:`,
      `    baseline (one start):       ${summary(baseline.acks)}`,
      `    while ingests run:          ${summary(asks.acks)}`,
      '',
    ];
    process.stdout.write(out.join('\n'));
  } finally {
    await rig.close();
  }
}

await main();
