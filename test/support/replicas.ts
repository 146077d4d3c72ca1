// Several real routeops processes (replicas) on one PostgreSQL database, for the fault tests of
// test/faults/replicas*.test.ts: one provider simulator and one fake Slack that outlive them, one
// config file, and per replica its own ROUTEOPS_DB folder (with ROUTEOPS_DATABASE_URL set it only
// places that replica's journal, src/app/pg-services.ts), kept across its restarts so a replica
// started again replays what its killed predecessor journaled. Each listens on its own port.
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { runCli, startBot, type BotProcess, type CliRun } from './bot-process.js';
import { writeConfig, type ConfigObject } from './config.js';
import { startFakeSlack, type FakeSlack } from './fake-slack.js';
import { startSim, type Simulator } from './sim.js';
import { SIM_KEYS } from './sim-config.js';
import { tempDir, type CleanupOwner, type TempDir } from './temp.js';

export const REPLICA_SIGNING_SECRET = 'replica-rig-signing-secret-0123';

export interface ReplicaRig {
  sim: Simulator;
  slack: FakeSlack;
  /** postgres://… every replica and CLI run uses. */
  databaseUrl: string;
  /** Replica i's environment: the shared database and config, its own ROUTEOPS_DB folder. */
  envOf(i: number): Record<string, string>;
  /** Starts replica i (again, after a kill: same folder, so same journal). */
  start(i: number): Promise<BotProcess>;
  /** `routeops ARGS…` as run on replica i's machine. */
  cli(args: string[], i?: number): Promise<CliRun>;
  close(): Promise<void>;
}

export interface ReplicaRigOptions {
  databaseUrl: string;
  config: (sim: Simulator) => ConfigObject;
  /** Slack tokens (HTTP mode, the fake Slack's Web API): the replicas post alerts. Default off (a gateway-only deployment). */
  slack?: boolean;
}

export async function startReplicaRig(owner: CleanupOwner, opts: ReplicaRigOptions): Promise<ReplicaRig> {
  const sim = await startSim();
  const slack = await startFakeSlack();
  const shared = tempDir('routeops-replicas-');
  const configPath = writeConfig(shared.file('routeops.yml'), opts.config(sim));
  const folders = new Map<number, TempDir>();
  const folderOf = (i: number) => folders.get(i) ?? (folders.set(i, tempDir(`routeops-replica-${i}-`)), folders.get(i)!);
  const bots = new Set<BotProcess>();
  const envOf = (i: number): Record<string, string> => ({
    ...SIM_KEYS,
    ROUTEOPS_CONFIG: configPath,
    ROUTEOPS_DATABASE_URL: opts.databaseUrl,
    ROUTEOPS_DB: folderOf(i).dbPath,
    ...(opts.slack ? { SLACK_BOT_TOKEN: 'xoxb-replica-rig', SLACK_SIGNING_SECRET: REPLICA_SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, SLACK_APP_TOKEN: '' } : {}),
  });
  const rig: ReplicaRig = {
    sim,
    slack,
    databaseUrl: opts.databaseUrl,
    envOf,
    async start(i) {
      const bot = await startBot(envOf(i));
      bots.add(bot);
      void bot.exited.then(() => bots.delete(bot));
      return bot;
    },
    cli: (args, i = 0) => runCli(args, envOf(i)),
    async close() {
      await Promise.all([...bots].map((b) => b.kill('SIGKILL')));
      await slack.close();
      await sim.close();
      for (const f of [shared, ...folders.values()]) f.cleanup();
    },
  };
  owner.after(() => rig.close());
  return rig;
}

/** A gateway key made with the real CLI (on replica 0's machine). */
export async function createKeyWithCli(rig: ReplicaRig, name: string): Promise<string> {
  const out = await rig.cli(['keys', 'create', name, '--json']);
  assert.equal(out.code, 0, out.stderr);
  return (JSON.parse(out.stdout) as { key: string }).key;
}

/** The openai SDK pointed at one replica's gateway, without the SDK's own retries (a retry would be a second upstream call). */
export const gatewayClient = (bot: BotProcess, key: string): OpenAI => new OpenAI({ apiKey: key, baseURL: `${bot.url}/v1`, maxRetries: 0 });

const ask = (i: number) => [{ role: 'user' as const, content: `replica call ${i}: summarise the order history of customer ${i} in one line` }];

/** One call to completion, plain or streamed; resolves with its x-request-id (its ledger call_id) or the error it met. */
export async function completeCall(client: OpenAI, model: string, i: number, stream: boolean, signal?: AbortSignal): Promise<{ ok: true; callId: string } | { ok: false; error: string }> {
  try {
    if (!stream) {
      const { data, response } = await client.chat.completions.create({ model, messages: ask(i) }, { signal }).withResponse();
      assert.ok(data.choices[0]?.message.content, 'a plain answer has content');
      return { ok: true, callId: response.headers.get('x-request-id')! };
    }
    const { data, response } = await client.chat.completions.create({ model, messages: ask(i), stream: true }, { signal }).withResponse();
    let text = '';
    for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? '';
    // The SDK ends a stream's iteration quietly when it is aborted.
    if (signal?.aborted) return { ok: false, error: 'aborted by the client' };
    assert.ok(text.length > 0, 'a streamed answer has content');
    return { ok: true, callId: response.headers.get('x-request-id')! };
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    return { ok: false, error: (err as Error).message };
  }
}
