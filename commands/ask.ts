// /ask: answer with a routed model. The pipeline lives in src/ask/engine.ts; this file parses
// the command text and turns the outcome into a Reply.
import { ask, unknownAlias, MAX_QUESTION_CHARS, type AskOutcome } from '../src/features/ask/engine.js';
import { usageReply, type Reply } from '../src/domain/reply.js';
import { defineCommand, type ParseResult } from './types.js';

export interface AskArgs {
  alias?: string;
  ops: boolean;
  question: string;
}

const USAGE = 'ask [--model ALIAS] [--ops] QUESTION\n--model picks a model alias (see /models); --ops lets the model read our spend, routes and retirements.';

export function parseAskArgs(text: string): ParseResult<AskArgs> {
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
  if (/^--model\s*$/.test(rest)) return { ok: false, error: '--model needs an alias, like --model qwen-plus' };
  if (!rest) return { ok: false, error: 'ask what? Put your question after /ask' };
  if (rest.length > MAX_QUESTION_CHARS) return { ok: false, error: `the question is ${rest.length} characters long; /ask takes up to ${MAX_QUESTION_CHARS}` };
  args.question = rest;
  return { ok: true, args };
}

/** The answer, or its one-line failure, as a Reply (shared with the Slack mention/thread path). */
export function outcomeToReply(outcome: AskOutcome): Reply {
  const reply: Reply = outcome.ok
    ? { kind: 'result', title: '', body: outcome.text, footer: outcome.footer }
    : { kind: 'error', title: '', summary: outcome.text };
  reply.data = { ok: outcome.ok, answer: outcome.ok ? outcome.text : null, error: outcome.ok ? null : outcome.text, alias: outcome.alias, route: outcome.route, footer: outcome.footer };
  return reply;
}

export const askCommand = defineCommand<AskArgs>({
  name: 'ask',
  summary: 'Answer with a routed model, metered in the ledger',
  usage: USAGE,
  parse: parseAskArgs,
  async run(args, services, caller, progress) {
    // An alias that does not exist is bad usage (CLI exit 2), not a failed answer.
    const badAlias = unknownAlias(services, args.alias);
    if (badAlias) return usageReply('ask', badAlias, USAGE);
    const outcome = await ask(services, { alias: args.alias, question: args.question, user: caller.id, local: caller.local, channel: caller.channel, ops: args.ops }, progress);
    return outcomeToReply(outcome);
  },
});
