// One behaviour, both stores: `storeTest('records a row', async (kind, t) => …)` defines the test
// twice, `sqlite: records a row` and `postgres: records a row`, so the PostgreSQL store is held to
// what the SQLite one does (issue "Beyond one machine"). Each test builds its store with `kind`.
import { test, type TestContext } from 'node:test';

export const STORE_KINDS = ['sqlite', 'postgres'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

export function storeTest(name: string, body: (kind: StoreKind, t: TestContext) => Promise<void>): void {
  for (const kind of STORE_KINDS) test(`${kind}: ${name}`, (t) => body(kind, t));
}
