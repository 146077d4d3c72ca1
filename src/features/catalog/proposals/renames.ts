// Which model a model gone from a provider's /models listing was renamed to, when that can be
// said honestly (docs/ARCHITECTURE.md §3.1 `prices list`, retirement proposals). Pure.
//
// Only models of the same provider are candidates (the caller gives them: those that appeared in
// the same change, else those the listing still shows). A candidate must be the same model family: its name without version parts (a `v`
// and digits, or digits alone, between - _ . : / separators) is the gone model's, e.g.
// deepseek-v4-flash and deepseek-flash are both "deepseek flash", and qwen-plus-2025-07-28 and
// qwen-plus are "qwen plus"; deepseek-chat and deepseek-flash are not, nor are moonshot-v1-8k and
// moonshot-v1-32k. Of those, the one whose name is closest (fewest edits) is the replacement; a
// tie names none (which one would be a guess).

const VERSION_PART = /^(?:v\d+|\d+)$/;

/** The name's family: its parts without the version parts, lower-case, in order. */
export function familyOf(model: string): string {
  return model
    .toLowerCase()
    .split(/[-_.:/\s]+/)
    .filter((part) => part !== '' && !VERSION_PART.test(part))
    .join(' ');
}

/** Levenshtein distance (a few dozen characters: the plain table is enough). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length]!;
}

/** The replacement of `gone` among `appeared` (same provider, same change), or null when none can be named. */
export function renamedTo(gone: string, appeared: readonly string[]): string | null {
  const family = familyOf(gone);
  if (family === '') return null;
  let best: string | null = null;
  let bestDistance = Infinity;
  let tie = false;
  for (const name of new Set(appeared)) {
    if (name === gone || familyOf(name) !== family) continue;
    const d = editDistance(gone.toLowerCase(), name.toLowerCase());
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
      tie = false;
    } else if (d === bestDistance) tie = true;
  }
  return tie ? null : best;
}
