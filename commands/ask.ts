// /ask: answer with a routed model. The pipeline lives in src/features/ask/engine.ts; this file
// parses the command text and turns the outcome into a Reply.
import { ask, unknownAlias, MAX_QUESTION_CHARS, type AskOutcome } from '../src/features/ask/engine.js';
import type { Reply } from '../src/domain/reply.js';
import { UsageError } from '../src/domain/errors.js';
import { defineCommand, EVERYWHERE } from './types.js';

export interface AskArgs {
  alias?: string;
  ops: boolean;
  question: string;
}

const USAGE = 'ask [--model ALIAS] [--ops] QUESTION\n--model picks a model alias (see /models); --ops lets the model read our spend, routes and retirements.';

/** Reads `[--model ALIAS] [--ops] QUESTION`; throws UsageError when it cannot. */
export function readAskArgs(text: string): AskArgs {
  let rest = text.trim();
  const args: AskArgs = { ops: false, question: '' };
  for (;;) {
    const model = /^--model(?:=|\s+)(\S+)\s*/.exec(rest);
    if (model) {
      args.alias = model[1]!;
      rest = rest.slice(model[0].length);
      continue;
    }
    const ops = /^--ops\b\s*/.exec(rest);
    if (ops) {
      args.ops = true;
      rest = rest.slice(ops[0].length);
      continue;
    }
    break;
  }
  if (/^--model\s*$/.test(rest)) throw new UsageError('--model needs an alias, like --model qwen-plus');
  if (!rest) throw new UsageError('ask what? Put your question after /ask');
  if (rest.length > MAX_QUESTION_CHARS) throw new UsageError(`the question is ${rest.length} characters long; /ask takes up to ${MAX_QUESTION_CHARS}`);
  args.question = rest;
  return args;
}

/** readAskArgs as a result, for the Slack mention and thread listeners. */
export function parseAskArgs(text: string): { ok: true; args: AskArgs } | { ok: false; error: string } {
  try {
    return { ok: true, args: readAskArgs(text) };
  } catch (err) {
    if (err instanceof UsageError) return { ok: false, error: err.message };
    throw err;
  }
}

/** The answer, or its one-line failure, as a Reply (shared with the Slack mention/thread path). */
export function outcomeToReply(outcome: AskOutcome): Reply {
  const reply: Reply = outcome.ok
    ? { kind: 'result', title: '', body: outcome.text, footer: outcome.footer }
    : { kind: 'error', title: '', summary: outcome.text };
  reply.data = { ok: outcome.ok, answer: outcome.ok ? outcome.text : null, error: outcome.ok ? null : outcome.text, alias: outcome.alias, route: outcome.route, footer: outcome.footer, retries: outcome.retries };
  return reply;
}

export const askCommand = defineCommand<AskArgs>({
  name: 'ask',
  summary: 'Answer with a routed model, metered in the ledger',
  usage: USAGE,
  adapters: EVERYWHERE,
  parse: (input) => readAskArgs(input.text),
  async run(args, { services: open, caller, progress }) {
    const services = open();
    // An alias that does not exist is bad usage (CLI exit 2), not a failed answer.
    const badAlias = unknownAlias(services, args.alias);
    if (badAlias) throw new UsageError(badAlias);
    const outcome = await ask(services, { alias: args.alias, question: args.question, user: caller.id, local: caller.local, channel: caller.channel, ops: args.ops }, progress);
    return outcomeToReply(outcome);
  },
});
