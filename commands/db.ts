// `routeops db copy` and `routeops db check` (docs/ARCHITECTURE.md §3.1, §3.8 "Moving to
// PostgreSQL"). copy moves a SQLite store's ledger and state into an empty PostgreSQL database
// and keeps it only once verified (src/features/db/copy.ts); check compares the ledger's rollup
// with its rows on the store in use (src/features/db/rollup-check.ts). Terminal only.
import { existsSync, statSync } from 'node:fs';
import type { Reply } from '../src/domain/reply.js';
import { UsageError } from '../src/domain/errors.js';
import { plural, truncateForMessage } from '../src/domain/text.js';
import { formatUsdExact } from '../src/domain/money/units.js';
import { checkRollup, type RollupDifference } from '../src/features/db/rollup-check.js';
import type { CopyDifference, CopyReport } from '../src/features/db/copy.js';
import { isPostgresUrl, redactUrl } from '../src/store/postgres/url.js';
import { CLI_ONLY, defineCommand } from './types.js';

const COPY_USAGE =
  'db copy --from sqlite:PATH --to postgres://USER:PASSWORD@HOST:PORT/DATABASE [--json]\n' +
  '  --from sqlite:PATH   the SQLite file to copy (ROUTEOPS_DB), e.g. sqlite:./data/routeops.db\n' +
  '  --to postgres://…    an empty PostgreSQL database (migrated here); the password may come from PGPASSWORD instead\n' +
  '  --json               {"rows","days_checked","ok","tables":[{"table","sqlite","postgres"}],"differences":[…]}';

const CHECK_USAGE = 'db check [--json]\n  --json   {"days_checked","ok","differences":[{"day","dim","key","field","rollup","rows"}]}';

const SQLITE_PREFIX = 'sqlite:';

export const dbCopyCommand = defineCommand<{ from: string; to: string }>({
  name: 'db copy',
  summary: 'Copy a SQLite store (ledger and state) into an empty PostgreSQL database, verified before it is kept',
  usage: COPY_USAGE,
  adapters: CLI_ONLY,
  options: { from: { type: 'string' }, to: { type: 'string' } },
  parse: ({ options, positionals }) => {
    if (positionals.length) throw new UsageError(`unexpected "${truncateForMessage(positionals[0]!)}": the source and target are --from and --to`);
    const from = options['from'] as string | undefined;
    const to = options['to'] as string | undefined;
    if (from === undefined) throw new UsageError('--from sqlite:PATH is needed: the SQLite file to copy');
    if (to === undefined) throw new UsageError('--to postgres://… is needed: the PostgreSQL database to copy into');
    if (!from.startsWith(SQLITE_PREFIX) || from.length === SQLITE_PREFIX.length) {
      throw new UsageError(`--from takes sqlite:PATH (e.g. sqlite:./data/routeops.db), not "${truncateForMessage(from)}"`);
    }
    // The URL may carry a password: only its redacted form is ever shown.
    if (!isPostgresUrl(to)) throw new UsageError(`--to takes a postgres://user:password@host:port/database URL, not "${truncateForMessage(redactUrl(to), 60)}"`);
    const path = from.slice(SQLITE_PREFIX.length);
    if (!existsSync(path)) throw new UsageError(`--from: no SQLite file at ${truncateForMessage(path, 120)}`);
    if (statSync(path).isDirectory()) throw new UsageError(`--from: ${truncateForMessage(path, 120)} is a directory, not a SQLite file`);
    return { from: path, to };
  },
  async run({ from, to }): Promise<Reply> {
    // Loaded only when asked for: the PostgreSQL client stays out of every other command.
    const { copySqliteToPostgres } = await import('../src/features/db/copy.js');
    return copyReply(from, await copySqliteToPostgres(from, to));
  },
});

function copyReply(from: string, report: CopyReport): Reply {
  const failed = (text: string, kind: Reply['kind'] = 'error'): Reply => ({ kind, title: '', summary: text, data: { rows: 0, days_checked: 0, ok: false, error: text } });
  if (report.status === 'bad_source') throw new UsageError(`--from: ${report.reason}`);
  if (report.status === 'failed') return failed(`Nothing was copied: ${report.reason}.`);
  if (report.status === 'not_empty') {
    return failed(
      `Refused: ${report.url} is not empty (${report.tables.join(', ')} ${report.tables.length === 1 ? 'has' : 'have'} rows). Nothing was written; copy into a new, empty database.`,
      'refusal',
    );
  }
  const data = { rows: report.rows, days_checked: report.days_checked, ok: report.ok, tables: report.tables, differences: report.differences, differences_total: report.differences_total };
  if (!report.ok) {
    const more = report.differences_total > report.differences.length ? `\n… and ${report.differences_total - report.differences.length} more` : '';
    return {
      kind: 'result',
      failed: true,
      title: '',
      summary: `The copy did not match ${from}, so nothing was kept (rolled back):\n${report.differences.map((d) => `  ${describeCopyDifference(d)}`).join('\n')}${more}`,
      data,
    };
  }
  return {
    kind: 'result',
    title: '',
    summary: `Copied ${plural(report.rows, 'row')} of ${report.tables.filter((t) => t.sqlite > 0).length} tables from ${from}; verified: row counts equal, rows and money equal on each of ${plural(report.days_checked, 'day')}, the rollup matches the rows.`,
    table: { columns: [{ header: 'table' }, { header: 'rows', align: 'right' }], rows: report.tables.filter((t) => t.postgres > 0).map((t) => [t.table, t.postgres.toLocaleString('en-US')]) },
    data,
  };
}

function describeCopyDifference(d: CopyDifference): string {
  if (d.check === 'rows') return `${d.table}: ${d.sqlite} rows in SQLite, ${d.postgres} in PostgreSQL`;
  if (d.check === 'day') {
    const usd = (v: number) => formatUsdExact(Math.round(v * 1e9));
    return `${d.day}: SQLite ${plural(d.sqlite_rows, 'row')} ${usd(d.sqlite_usd)}, PostgreSQL ${plural(d.postgres_rows, 'row')} ${usd(d.postgres_usd)}`;
  }
  return `rollup ${d.day} ${d.dim} ${d.key}: ${d.field} ${valueText(d, d.rollup)} in the rollup, ${valueText(d, d.rows)} in the rows`;
}

/** A count as it is; a `*_usd` amount with all its 9 decimals ($0.000000007, not 7e-9). */
const valueText = (d: Pick<RollupDifference, 'field'>, value: number): string => (d.field.endsWith('_usd') ? formatUsdExact(Math.round(value * 1e9)) : value.toLocaleString('en-US'));

export const dbCheckCommand = defineCommand<Record<string, never>>({
  name: 'db check',
  summary: "Compare the ledger's daily rollup with its rows, on the store in use",
  usage: CHECK_USAGE,
  adapters: CLI_ONLY,
  options: {},
  parse: ({ positionals }) => {
    if (positionals.length) throw new UsageError(`unexpected "${truncateForMessage(positionals[0]!)}": db check takes no arguments`);
    return {};
  },
  async run(_args, ctx): Promise<Reply> {
    const result = await checkRollup(ctx.services().ledger);
    const data = { days_checked: result.days_checked, ok: result.ok, differences: result.differences, differences_total: result.differences_total };
    if (result.ok) return { kind: 'result', title: '', summary: `The rollup matches the rows over ${plural(result.days_checked, 'day')}.`, data };
    const more = result.differences_total > result.differences.length ? `The first ${result.differences.length} of ${result.differences_total} differences.` : undefined;
    return {
      kind: 'result',
      failed: true,
      title: `The rollup differs from the rows (${plural(result.differences_total, 'difference')} over ${plural(result.days_checked, 'day')})`,
      table: {
        columns: [{ header: 'day' }, { header: 'dim' }, { header: 'key' }, { header: 'field' }, { header: 'rollup', align: 'right' }, { header: 'rows', align: 'right' }],
        rows: result.differences.map((d: RollupDifference) => [d.day, d.dim, truncateForMessage(d.key), d.field, valueText(d, d.rollup), valueText(d, d.rows)]),
      },
      ...(more ? { footer: more } : {}),
      data,
    };
  },
});
