// /ask: answer with a routed model. The pipeline lives in src/features/ask/engine.ts; this file
// parses the command text and turns the outcome into a Reply.
import { ask, unknownAlias, MAX_QUESTION_CHARS, type AskOutcome } from '../src/features/ask/engine.js';
import type { Reply } from '../src/domain/reply.js';
import { UsageError } from '../src/domain/errors.js';
import { cliFlags, commandPrefix, defineCommand, EVERYWHERE, leadingOption, unknownOptionError, type Adapter } from './types.js';

export interface AskArgs {
  alias?: string;
  ops: boolean;
  question: string;
}

const usage = (adapter: Adapter): string =>
  `ask [--model ALIAS] [--ops] QUESTION${cliFlags(adapter)}\n--model picks a model alias (see ${commandPrefix(adapter)}models); --ops lets the model read our spend, routes and retirements.`;

/** The options /ask takes before the question (the CLI adds --json). */
const ASK_OPTIONS = ['--model ALIAS', '--ops'];

/**
 * Reads `[--model ALIAS] [--ops] QUESTION`; throws UsageError, in `adapter`'s words, when it
 * cannot. Only leading words are options: a `--word` there that is none is refused (never sent
 * to a model as text), one later in the question is text. A leading `--` ends the options.
 */
export function readAskArgs(text: string, adapter: Adapter = 'slack'): AskArgs {
  const ask = `${commandPrefix(adapter)}ask`;
  let rest = text.trim();
  const args: AskArgs = { ops: false, question: '' };
  for (;;) {
    const model = /^--model(?:=(\S*)|\s+(\S+)|(?=\s*$))\s*/.exec(rest);
    if (model) {
      const alias = model[1] ?? model[2];
      // `--model=` or `--model` with nothing after it; `--model --ops` would take "--ops" as the alias.
      if (!alias || alias.startsWith('--')) throw new UsageError('--model needs an alias, like --model qwen-plus');
      args.alias = alias;
      rest = rest.slice(model[0].length);
      continue;
    }
    const ops = /^--ops(?:\s+|$)/.exec(rest);
    if (ops) {
      args.ops = true;
      rest = rest.slice(ops[0].length);
      continue;
    }
    break;
  }
  const terminator = /^--(?:\s+|$)/.exec(rest);
  if (terminator) rest = rest.slice(terminator[0].length);
  else {
    const option = leadingOption(rest);
    if (option) throw unknownOptionError(option, 'ask', ASK_OPTIONS, adapter);
  }
  if (!rest) throw new UsageError(`ask what? Put your question after ${ask}`);
  if (rest.length > MAX_QUESTION_CHARS) throw new UsageError(`the question is ${rest.length} characters long; ${ask} takes up to ${MAX_QUESTION_CHARS}`);
  args.question = rest;
  return args;
}

/** readAskArgs as a result, for the Slack mention and thread listeners. */
export function parseAskArgs(text: string, adapter: Adapter = 'slack'): { ok: true; args: AskArgs } | { ok: false; error: string } {
  try {
    return { ok: true, args: readAskArgs(text, adapter) };
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
  reply.data = { ok: outcome.ok, answer: outcome.ok ? outcome.text : null, error: outcome.ok ? null : outcome.text, alias: outcome.alias, route: outcome.route, footer: outcome.footer, retries: outcome.retries, call_id: outcome.call_id };
  return reply;
}

export const askCommand = defineCommand<AskArgs>({
  name: 'ask',
  summary: 'Answer with a routed model, metered in the ledger',
  usage,
  adapters: EVERYWHERE,
  parse: (input, adapter) => readAskArgs(input.text, adapter),
  async run(args, { services: open, caller, progress, adapter }) {
    const services = open();
    // An alias that does not exist is bad usage (CLI exit 2), not a failed answer.
    const badAlias = unknownAlias(services, args.alias, `${commandPrefix(adapter)}models`);
    if (badAlias) throw new UsageError(badAlias);
    const outcome = await ask(services, { alias: args.alias, question: args.question, user: caller.id, local: caller.local, channel: caller.channel, ops: args.ops }, progress);
    return outcomeToReply(outcome);
  },
});
