// What the simulator remembers between requests, per profile: the faults set and how often they
// were used, the script, the model listing set in place of the profile's (a provider renaming or
// retiring a model), and the message-list prefixes seen (for cached tokens). Also the sequence
// that numbers request and tool-call ids, and the prepaid accounts (balances.ts).
import { SimBalances } from './balances.js';
import { ACCEPTED_PROFILE_NAMES, PROFILE_NAMES, resolveProfileName, type ProfileName } from './profile.js';
import type { Faults } from './faults.js';
import { PROFILES } from './profiles.js';

export interface Script {
  /** When tools are offered and no tool result is in the messages yet, call this tool. */
  toolCall?: { name: string; arguments: string };
  /** The answer's text, instead of the echo of the question (any string: markup, lone surrogates). */
  content?: string;
}

export interface ProfileState {
  faults: Faults | null;
  faultUses: number;
  script: Script | null;
  /** The models served (GET /models lists them, chat takes only them); null = the profile's own. */
  models: string[] | null;
  /** Message-list prefixes seen (for cached tokens). */
  seenPrefixes: Set<string>;
}

/** A profile name or the provider name it stands for; plain strings are accepted (and checked at run time). */
export type ProfileArg = ProfileName | (string & {});

/** The profile a profile or provider name stands for; throws on others, naming the accepted ones. */
export function profileOf(p: string): ProfileName {
  const name = resolveProfileName(p);
  if (!name) throw new Error(`unknown simulator profile "${p}" (accepted: ${ACCEPTED_PROFILE_NAMES})`);
  return name;
}

export class SimState {
  private readonly profiles = new Map<ProfileName, ProfileState>(
    PROFILE_NAMES.map((p) => [p, { faults: null, faultUses: 0, script: null, models: null, seenPrefixes: new Set<string>() }]),
  );
  // A random start, so request ids do not repeat across restarts (see profiles.ts).
  private seq = Math.floor(Math.random() * 2 ** 32);
  /** The prepaid accounts that chat calls are charged to. */
  readonly balances: SimBalances;

  constructor(now: () => number = Date.now) {
    this.balances = new SimBalances(now);
  }

  of(p: ProfileName): ProfileState {
    return this.profiles.get(p)!;
  }

  /** The next number for a request or tool-call id. */
  nextSeq(): number {
    return ++this.seq;
  }

  setFaults(p: ProfileName, faults: Faults | null): void {
    const st = this.of(p);
    st.faults = faults;
    st.faultUses = 0;
  }

  /** The models a profile serves now. */
  modelsOf(p: ProfileName): readonly string[] {
    return this.of(p).models ?? PROFILES[p].models;
  }

  /** The faults that apply to this request (and counts the use), or null. */
  takeFaults(p: ProfileName): Faults | null {
    const st = this.of(p);
    const f = st.faults;
    if (!f) return null;
    if (f.times !== undefined && st.faultUses >= f.times) return null;
    st.faultUses++;
    return f;
  }

  /** Clears every profile's faults, script and model listing, and gives back fresh accounts and prices. */
  reset(): void {
    for (const st of this.profiles.values()) {
      st.faults = null;
      st.faultUses = 0;
      st.script = null;
      st.models = null;
    }
    this.balances.reset();
  }
}
