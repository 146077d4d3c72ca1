// Slack's Block Kit limits for a Home tab view (docs/ARCHITECTURE.md §3.6 "App Home"): what
// Slack would refuse (invalid_blocks) or cut. Returns the problems found, so a test can show them.

const TEXT_MAX = 3000;

function textOf(o: unknown): string | null {
  const t = (o as { text?: unknown } | undefined)?.text;
  return typeof t === 'string' ? t : null;
}

export function homeViewProblems(view: { type?: unknown; blocks?: unknown }): string[] {
  const problems: string[] = [];
  if (view.type !== 'home') problems.push(`type ${String(view.type)}, not home`);
  const blocks = Array.isArray(view.blocks) ? (view.blocks as Array<Record<string, unknown>>) : [];
  if (blocks.length > 100) problems.push(`${blocks.length} blocks (at most 100)`);
  if (JSON.stringify(view).length > 250_000) problems.push('view over 250 kB');
  const ids = new Set<string>();
  blocks.forEach((b, i) => {
    const at = `block ${i} (${String(b.type)})`;
    if (typeof b.block_id === 'string') {
      if (b.block_id.length > 255) problems.push(`${at}: block_id over 255`);
      if (ids.has(b.block_id)) problems.push(`${at}: block_id ${b.block_id} repeated`);
      ids.add(b.block_id);
    }
    if (b.type === 'header') {
      const t = b.text as { type?: string; text?: string };
      if (t?.type !== 'plain_text') problems.push(`${at}: header text must be plain_text`);
      if ((t?.text ?? '').length > 150) problems.push(`${at}: header over 150 characters`);
    } else if (b.type === 'section') {
      const text = textOf(b.text);
      const fields = (b.fields as unknown[] | undefined) ?? [];
      if (text === null && !fields.length) problems.push(`${at}: neither text nor fields`);
      if (text !== null && (text.length === 0 || text.length > TEXT_MAX)) problems.push(`${at}: text of ${text.length} characters (1 to ${TEXT_MAX})`);
      if (fields.length > 10) problems.push(`${at}: ${fields.length} fields (at most 10)`);
      for (const f of fields) if ((textOf(f) ?? '').length > 2000) problems.push(`${at}: a field over 2000 characters`);
    } else if (b.type === 'context') {
      const elements = (b.elements as unknown[] | undefined) ?? [];
      if (!elements.length || elements.length > 10) problems.push(`${at}: ${elements.length} elements (1 to 10)`);
      for (const el of elements) if ((textOf(el) ?? '').length > TEXT_MAX) problems.push(`${at}: an element over ${TEXT_MAX} characters`);
    } else if (b.type !== 'divider') {
      problems.push(`${at}: a block type the Home view does not use`);
    }
  });
  return problems;
}
