// The gateway under test: the real routeops (src/app/main.ts, no Slack) on a real SQLite file,
// its providers on the simulator, keys made with the real `routeops keys create`, and the
// official openai SDK pointed at it.
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { cli } from '../../src/app/cli.js';
import { openDatabase } from '../../src/store/open.js';
import { openPostgres } from '../../src/store/postgres/pool.js';
import { startTestApp, type TestApp } from '../support/app.js';
import type { ConfigObject } from '../support/config.js';
import { writeConfig } from '../support/config.js';
import { startSim, type Simulator } from '../support/sim.js';
import { simConfig, SIM_KEYS } from '../support/sim-config.js';

export interface GatewayRig {
  sim: Simulator;
  app: TestApp;
  /** `routeops keys …` against the app's database; stdout, stderr, exit code. */
  keys(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** A new key's text. */
  newKey(name: string, ...flags: string[]): Promise<string>;
  client(key: string, opts?: { maxRetries?: number }): OpenAI;
  /** The ledger's gateway rows, oldest first. */
  rows(): Promise<Array<Record<string, unknown>>>;
  /** Raw HTTP to the gateway. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; text: string; json: unknown }>;
}

/** `config` lays over the simulator config (whole top-level keys); a function gets the simulator first. */
export async function startGateway(t: TestContext, config: ConfigObject | ((sim: Simulator) => ConfigObject) = {}, extraEnv: Record<string, string> = {}): Promise<GatewayRig> {
  const sim = await startSim(t);
  const cfg = simConfig(sim, { gateway: { enabled: true }, ...(typeof config === 'function' ? config(sim) : config) });
  const app = await startTestApp({ config: cfg, withSlack: false, env: { ...SIM_KEYS, ...extraEnv }, owner: t });
  const env = { ...SIM_KEYS, ROUTEOPS_CONFIG: writeConfig(`${app.dir}/keys.yml`, cfg), ...app.storeEnv, LOG_LEVEL: 'silent' };
  const keys = async (...argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await cli(['keys', ...argv], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env });
    return { code, stdout, stderr };
  };
  const rig: GatewayRig = {
    sim,
    app,
    keys,
    async newKey(name, ...flags) {
      const out = await keys('create', name, '--json', ...flags);
      assert.equal(out.code, 0, out.stderr);
      return (JSON.parse(out.stdout) as { key: string }).key;
    },
    client: (key, opts = {}) => new OpenAI({ apiKey: key, baseURL: `${app.url}/v1`, maxRetries: opts.maxRetries ?? 0 }),
    async rows() {
      const sql = "SELECT * FROM usage WHERE source = 'gateway' ORDER BY id";
      const url = app.storeEnv.ROUTEOPS_DATABASE_URL;
      if (url) {
        const pg = openPostgres(url, { max: 1 });
        try {
          return await pg.query(sql);
        } finally {
          await pg.close();
        }
      }
      const db = openDatabase(app.dbPath, { readonly: true });
      try {
        return db.prepare(sql).all() as Array<Record<string, unknown>>;
      } finally {
        db.close();
      }
    },
    async post(path, body, headers = {}) {
      const res = await fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
      const text = await res.text();
      let json: unknown = null;
      try {
        json = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, headers: res.headers, text, json };
    },
  };
  return rig;
}

/** The gateway's rows once there are `n` (they are written in batches a few ms after each call); fails after 10 s. */
export async function rowsOnce(rig: GatewayRig, n: number): Promise<Array<Record<string, unknown>>> {
  const until = Date.now() + 10_000;
  for (;;) {
    const rows = await rig.rows();
    if (rows.length >= n || Date.now() > until) {
      assert.equal(rows.length, n, `expected ${n} gateway rows`);
      return rows;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}
