// The /ask pipeline, transport-neutral: budget check -> route plan -> streamed call with
// fallbacks (and read-only ops tools when the question is about our operation), each route held
// to a first-token deadline and the whole answer to its own (config `ask`, docs/ARCHITECTURE.md
// §3.4) -> one ledger row per upstream attempt -> the answer with its footer.
import type { ChatMessage, ChatResult, StreamDelta } from '../../upstream/providers/types.js';
import { ERROR_WORDING, TIMEOUT_WORDING } from '../../upstream/providers/error-wording.js';
import type { Services } from '../services.js';
import { planRoutes, estimateTokens, smallestWindow, type PlannedRoute, type RoutePlan } from '../routing/plan.js';
import { executePlan, attemptToUsage, interruptedRow, type AttemptRecord } from '../routing/execute.js';
import { effectiveCost } from '../../domain/money/cost.js';
import { formatUsd, formatUsdExact, usdToNusd } from '../../domain/money/units.js';
import { OPS_TOOLS, looksLikeOpsQuestion, runOpsTool } from './ops-tools.js';
import { RouteWatch, retriedPhrase, type AskStatus } from './progress.js';
import type { UsageInput } from '../../domain/usage-rows/rows.js';

export const MAX_QUESTION_CHARS = 8000;
const ANSWER_MAX_TOKENS = 4096;
/** History is trimmed to this many estimated tokens (newest kept), whatever the model's window. */
const HISTORY_BUDGET_TOKENS = 24_000;
const MAX_TOOL_ROUNDS = 3;
/** What the ops tools' schemas add to a prompt. */
const toolsTokens = estimateTokens(JSON.stringify(OPS_TOOLS));

const SYSTEM_PROMPT =
  'You are routeops, an assistant in a team Slack workspace. Answer concisely and accurately. ' +
  'When tools are offered, use them for any question about the team\'s LLM spend, routes, prices or model retirements, and answer from their results only.';

export interface AskInput {
  alias?: string;
  question: string;
  /** Earlier turns of the conversation (a Slack thread), oldest first. */
  history?: ChatMessage[];
  user: string;
  /** The CLI and shell run as the local operator (access lists do not apply). */
  local?: boolean;
  channel?: string;
  /** Offer the ops tools even if the question does not look like an ops question. */
  ops?: boolean;
}

export interface AskProgress {
  update(text: string): void;
  /** The question waits for the same user's earlier one (per-user budget): it is not starting yet. */
  waiting?(): void;
  /** What the answer waits for before its text begins (progress.ts); null once the text begins. */
  status?(status: AskStatus | null): void;
}

/** One retry the provider client made (its ledger row has status `retried`): the route and the status that was retried. */
export interface AskRetry {
  provider: string;
  model: string;
  /** The failed attempt's HTTP status; null when it got no response. */
  status: number | null;
}

export interface AskOutcome {
  ok: boolean;
  /** The answer, or one clear line saying why there is none. */
  text: string;
  footer: string;
  alias: string;
  route: PlannedRoute | null;
  attempts: number;
  cost_nusd: number | null;
  /** The client retries of every route called, in order (the footer says them). */
  retries: AskRetry[];
  /** The ledger row of the call that gave the answer (its call_id: feedback is kept beside it); null without an answer. */
  call_id: string | null;
}

/** Keeps the newest turns that fit the budget, so the question always fits. */
export function trimHistory(history: ChatMessage[], budgetTokens: number): ChatMessage[] {
  const kept: ChatMessage[] = [];
  let used = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    const m = history[i]!;
    const t = estimateTokens(m.content) + 4;
    if (used + t > budgetTokens) break;
    kept.unshift(m);
    used += t;
  }
  // A conversation must not start with an assistant turn.
  while (kept[0]?.role === 'assistant') kept.shift();
  return kept;
}

/** 20000 -> "20 s", 300 -> "0.3 s". */
function inSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(2))} s`;
}

/** The environment variable that holds a provider's key, from the config (as /routecheck names it). */
type KeyEnvOf = (provider: string) => string | undefined;

/**
 * What a failed route did, e.g. "deepseek/deepseek-v4-flash timed out: no first token within 20 s",
 * "… was rate limited (429), retried 2× after 429", "… has no API key: DEEPSEEK_API_KEY is not set".
 */
function describeFailure(a: AttemptRecord, answerMs: number, keyEnvOf: KeyEnvOf): string {
  const e = a.error!;
  const route = `${a.route.provider}/${a.route.model}`;
  const retried = e.retriedAfter.length ? `, ${retriedPhrase(e.retriedAfter)}` : '';
  if (e.kind === 'timeout' && e.timedOut) return `${route} ${TIMEOUT_WORDING[e.timedOut.phase](inSeconds(e.timedOut.phase === 'deadline' ? answerMs : e.timedOut.ms))}${retried}`;
  const env = e.kind === 'missing_key' ? keyEnvOf(a.route.provider) : undefined;
  if (env) return `${route} has no API key: ${env} is not set`;
  return `${route} ${ERROR_WORDING[e.kind].route}${e.status ? ` (${e.status})` : ''}${retried}`;
}

/** When no route had a key: which variables to set (README "Quick start" has the simulator for trying without accounts). */
function keyHint(failures: AttemptRecord[], keyEnvOf: KeyEnvOf): string {
  if (!failures.length || failures.some((f) => f.error?.kind !== 'missing_key')) return '';
  const envs = [...new Set(failures.map((f) => keyEnvOf(f.route.provider)).filter((e) => e !== undefined))];
  if (!envs.length) return '';
  return ` Set ${envs.length === 1 ? envs[0] : `one of ${envs.join(', ')}`} (to try routeops without a provider account, run the simulator: node bin/routeops.js sim).`;
}

/** Rows whose token counts are not what the call used (usage missing or beyond belief): their cost is unknown, never $0. */
const usageUnknown = (row: UsageInput) => row.usage_status === 'missing' || row.usage_status === 'invalid';

/** What the user's questions cost today: in the ledger, plus rows still waiting for the database (meter.ts). */
async function userSpentToday(services: Services, user: string): Promise<bigint> {
  const today = services.zone.dayOf(services.clock().getTime());
  let spent = (await services.ledger.spendRollup('user', today, today)).find((r) => r.key === user)?.cost_nusd ?? 0n;
  for (const row of services.usage.waitingRows()) {
    const tsMs = Date.parse(row.ts);
    if (row.user === user && services.zone.dayOf(tsMs) === today) spent += BigInt(effectiveCost(services.catalog, row, tsMs) ?? 0);
  }
  return spent;
}

/** Why `alias` cannot be asked (it is no configured alias), or null; no alias means default_model. */
export function unknownAlias(services: Services, alias: string | undefined, modelsCommand = '/models'): string | null {
  const name = alias ?? services.config.default_model;
  if (Object.hasOwn(services.config.models, name)) return null;
  return `unknown model alias "${name}"; known: ${Object.keys(services.config.models).join(', ')} (see ${modelsCommand})`;
}

/** Why `user` may not ask now (the per-user daily budget is spent), or null. */
export async function budgetRefusal(services: Services, user: string): Promise<string | null> {
  const perUser = services.config.budgets.per_user_daily;
  if (perUser === undefined || (await userSpentToday(services, user)) < usdToNusd(perUser)) return null;
  return `You have used your daily /ask budget of ${formatUsd(usdToNusd(perUser))}. It resets at midnight (${services.config.timezone}).`;
}

export async function ask(services: Services, input: AskInput, progress?: AskProgress): Promise<AskOutcome> {
  // With a per-user budget, a user's questions take turns (user-turns.ts): each is checked
  // against what the ones before it cost.
  // An answer ends once its rows had their try at the store: a /spend or another replica's
  // budget check right after it sees them (with SQLite they are written at once).
  const metered = async () => {
    try {
      return await askNow(services, input, progress);
    } finally {
      await services.usage.written();
    }
  };
  if (services.config.budgets.per_user_daily === undefined) return metered();
  return services.userTurns.run(input.user, metered, () => progress?.waiting?.());
}

async function askNow(services: Services, input: AskInput, progress?: AskProgress): Promise<AskOutcome> {
  const alias = input.alias ?? services.config.default_model;
  const retries: AskRetry[] = [];
  const fail = (text: string): AskOutcome => ({ ok: false, text, footer: '', alias, route: null, attempts: 0, cost_nusd: null, retries, call_id: null });

  const refusal = await budgetRefusal(services, input.user);
  if (refusal) return fail(refusal);
  if (input.question.length > MAX_QUESTION_CHARS) {
    return fail(`The question is ${input.question.length} characters long; a question may have up to ${MAX_QUESTION_CHARS}.`);
  }

  const tools = input.ops || looksLikeOpsQuestion(input.question) ? OPS_TOOLS : undefined;
  const fixed: ChatMessage[] = [{ role: 'system', content: SYSTEM_PROMPT }, { role: 'user', content: input.question }];
  const fixedTokens = fixed.reduce((n, m) => n + estimateTokens(m.content) + 4, 0) + (tools ? toolsTokens : 0);
  // The routes that can take the question and its answer; the thread's history is then trimmed
  // (newest kept) to fit the smallest of their windows, so every one of them still takes it and
  // none is skipped for the sake of old turns.
  const planned = planRoutes(services.config, services.catalog, alias, services.clock().getTime(), fixedTokens, ANSWER_MAX_TOKENS);
  if (!planned.ok) return fail(planned.error);
  let plan: RoutePlan = planned.plan;
  const smallest = smallestWindow(plan.routes);
  const historyBudget = Math.min(HISTORY_BUDGET_TOKENS, smallest === undefined ? Infinity : smallest - ANSWER_MAX_TOKENS - fixedTokens);
  const history = trimHistory(input.history ?? [], Math.max(0, historyBudget));
  const messages: ChatMessage[] = [fixed[0]!, ...history, fixed[1]!];

  const started = Date.now();
  const { first_token_timeout_ms: firstTokenMs, answer_timeout_ms: answerMs, progress_interval_ms: progressMs } = services.config.ask;
  const keyEnvOf: KeyEnvOf = (provider) => services.config.providers[provider]?.api_key_env;
  // Every route called ends in onAttempt, which stops the watch's ticks.
  const watch = new RouteWatch(progressMs, progress?.status && ((s) => progress.status!(s)));
  // Real time, not the services' clock: deadlines are about how long the asker waits.
  const deadlineAt = started + answerMs;
  const rows: Array<{ row: UsageInput; tsMs: number }> = [];
  const failures: AttemptRecord[] = [];
  let shown = '';
  const onDelta = (d: StreamDelta) => {
    watch.delta(d);
    if (d.type !== 'content') return;
    shown += d.text;
    progress?.update(shown);
  };

  const meterContext = { source: 'ask' as const, user: input.user, channel: input.channel, route: alias };
  let final: { route: PlannedRoute; result: ChatResult; callId: string | null } | null = null;
  for (let round = 0; round <= MAX_TOOL_ROUNDS; round++) {
    const offerTools = tools && round < MAX_TOOL_ROUNDS ? tools : undefined;
    /** The route just given up, said when the next one is called. */
    let givenUp: AttemptRecord | null = null;
    const outcome = await executePlan({
      plan,
      stream: true,
      now: () => services.clock().getTime(),
      remainingMs: () => deadlineAt - Date.now(),
      clientFor: (p) => services.providers.get(p),
      request: (route) => ({
        model: route.model,
        messages,
        maxTokens: ANSWER_MAX_TOKENS,
        firstTokenTimeoutMs: firstTokenMs,
        onRetry: (after: number | null) => watch.retry(after),
        ...(route.thinking !== undefined ? { thinking: route.thinking } : {}),
        ...(offerTools ? { tools: offerTools, toolChoice: 'auto' as const } : {}),
      }),
      hooks: {
        // Journaled before the call is sent: a crash during it still leaves its row (interrupted).
        onStart: (start) => {
          watch.start(start.route, givenUp ? describeFailure(givenUp, answerMs, keyEnvOf) : undefined);
          givenUp = null;
          return services.usage.begin(interruptedRow(start, meterContext, messages.reduce((n, m) => n + estimateTokens(m.content) + 4, 0)), 'ask');
        },
        onAttempt: (a) => {
          watch.stop();
          for (const status of a.result?.retriedAfter ?? a.error?.retriedAfter ?? []) retries.push({ provider: a.route.provider, model: a.route.model, status });
          const attemptRows = attemptToUsage(a, meterContext);
          // Metered at once, so /spend sees /ask traffic immediately (or as soon as a long
          // import elsewhere lets go of the database: the meter keeps the rows meanwhile).
          services.usage.record(attemptRows, 'ask');
          for (const row of attemptRows) rows.push({ row, tsMs: a.startedAtMs });
          if (!a.ok) {
            failures.push(a);
            givenUp = a;
          }
        },
        onDelta,
        onReset: () => {
          shown = '';
          progress?.update('');
        },
      },
    });
    if (!outcome.ok) {
      const why = failures.map((f) => describeFailure(f, answerMs, keyEnvOf)).join('; ');
      if (!outcome.deadlinePassed) return { ...fail(`No answer from ${alias}: ${why}.${keyHint(failures, keyEnvOf)}`), attempts: rows.length };
      // The answer's deadline stops everything: say what was tried and what was not.
      const untried = outcome.untried.map((r) => `${r.provider}/${r.model}`).join(', ');
      const parts = [why, untried && `not tried: ${untried}`].filter(Boolean).join('; ');
      return { ...fail(`No answer from ${alias} within ${inSeconds(answerMs)}${parts ? `: ${parts}` : ''}.`), attempts: rows.length };
    }
    const { result, route } = outcome;
    if (!offerTools || result.toolCalls.length === 0) {
      // The call that answered ends the round's attempts.
      final = { route, result, callId: outcome.attempts.findLast((a) => a.ok)?.callId ?? null };
      break;
    }
    // The model asked for data: run the read-only tools and go again on the route that answered.
    // What it said before asking stays shown; the next round's answer follows it.
    if (shown.trim()) shown += '\n\n';
    messages.push({ role: 'assistant', content: result.content, tool_calls: result.toolCalls, ...(result.reasoning ? { reasoning_content: result.reasoning } : {}) });
    for (const call of result.toolCalls) {
      messages.push({ role: 'tool', tool_call_id: call.id, content: await runOpsTool(call.name, call.arguments, services, { id: input.user, local: input.local === true }) });
    }
    const from = plan.routes.indexOf(route);
    plan = { ...plan, routes: plan.routes.slice(from) };
  }
  if (!final) return { ...fail('No answer: the model kept asking for tools.'), attempts: rows.length };

  // The streamed text is the answer (tool rounds' preambles included), as the user saw it.
  const text = shown.trim() || final.result.content.trim() || (final.result.finishReason === 'length' ? '(The model used its whole budget thinking and gave no answer. Try a shorter question.)' : '(The model returned an empty answer.)');
  // effectiveCost gives a row with unknown usage only what the provider said it billed (src/domain/money/cost.ts).
  const costs = rows.map(({ row, tsMs }) => effectiveCost(services.catalog, row, tsMs));
  const cost = costs.every((c) => c === null) ? null : costs.reduce<number>((s, c) => s + (c ?? 0), 0);
  const usageMissing = rows.some(({ row }, i) => costs[i] === null && usageUnknown(row));
  const u = rows.reduce(
    (t, { row }) => ({ in: t.in + row.input_tokens, cached: t.cached + row.cached_input_tokens, out: t.out + row.output_tokens, reasoning: t.reasoning + row.reasoning_tokens }),
    { in: 0, cached: 0, out: 0, reasoning: 0 },
  );
  const notes: string[] = [];
  if (final.route.replaces) notes.push(`${final.route.replaces.model} retired ${final.route.replaces.retiredAt.slice(0, 10)}, answered by ${final.route.model}`);
  if (failures.length) notes.push(`fallback after ${failures.map((f) => describeFailure(f, answerMs, keyEnvOf)).join('; ')}`);
  const answeredRetries = final.result.retriedAfter ?? [];
  if (answeredRetries.length) notes.push(retriedPhrase(answeredRetries));
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const footer = [
    alias,
    `${final.route.provider}/${final.route.model}`,
    `tokens in ${u.in} / cached ${u.cached} / out ${u.out} / reasoning ${u.reasoning}`,
    usageMissing ? (cost === null ? 'usage missing' : `${formatUsdExact(cost)} + usage missing`) : cost === null ? 'not priced' : formatUsdExact(cost),
    `${seconds} s`,
    ...notes,
  ].join(' · ');
  return { ok: true, text, footer, alias, route: final.route, attempts: rows.length, cost_nusd: cost, retries, call_id: final.callId };
}
