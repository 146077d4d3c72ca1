// Text widths from the shipped TrueType font itself (its cmap and hmtx tables), so the chart's
// layout (legend rows, axis margins, hidden overlapping labels) is measured with the font resvg
// draws with. Without this, ECharts in Node guesses widths from Helvetica's. Kerning is ignored:
// a few per cent at most. Pure: bytes in, a measuring function out.

export interface FontMetrics {
  /** Advance width of `text` at `sizePx`, in px. Characters the font lacks count 0.6 em. */
  width(text: string, sizePx: number): number;
}

const MISSING_EM = 0.6;

/** Reads a TrueType/OpenType font's advance widths for the Basic Multilingual Plane (cmap format 4). */
export function fontMetrics(font: Uint8Array): FontMetrics {
  const view = new DataView(font.buffer, font.byteOffset, font.byteLength);
  const u16 = (at: number) => view.getUint16(at);
  const tables = new Map<string, number>();
  const numTables = u16(4);
  for (let i = 0; i < numTables; i++) {
    const rec = 12 + i * 16;
    const tag = String.fromCharCode(font[rec]!, font[rec + 1]!, font[rec + 2]!, font[rec + 3]!);
    tables.set(tag, view.getUint32(rec + 8));
  }
  const need = (tag: string): number => {
    const at = tables.get(tag);
    if (at === undefined) throw new Error(`font has no ${tag} table`);
    return at;
  };
  const unitsPerEm = u16(need('head') + 18);
  const numberOfHMetrics = u16(need('hhea') + 34);
  const hmtx = need('hmtx');
  const advance = (glyph: number) => u16(hmtx + 4 * Math.min(glyph, numberOfHMetrics - 1)) / unitsPerEm;

  // The Unicode BMP subtable: Windows (3,1), else Unicode (0,3).
  const cmap = need('cmap');
  let sub = -1;
  for (let i = 0; i < u16(cmap + 2); i++) {
    const rec = cmap + 4 + i * 8;
    const platform = u16(rec);
    const encoding = u16(rec + 2);
    if ((platform === 3 && encoding === 1) || (platform === 0 && encoding === 3)) {
      const at = cmap + view.getUint32(rec + 4);
      if (u16(at) === 4) sub = at;
    }
  }
  if (sub < 0) throw new Error('font has no format-4 Unicode cmap');
  const segCount = u16(sub + 6) / 2;
  const ends = sub + 14;
  const starts = ends + segCount * 2 + 2;
  const deltas = starts + segCount * 2;
  const rangeOffsets = deltas + segCount * 2;

  function glyphOf(code: number): number {
    for (let i = 0; i < segCount; i++) {
      if (u16(ends + i * 2) < code) continue;
      const start = u16(starts + i * 2);
      if (start > code) return 0;
      const delta = view.getInt16(deltas + i * 2);
      const ro = u16(rangeOffsets + i * 2);
      if (ro === 0) return (code + delta) & 0xffff;
      const g = u16(rangeOffsets + i * 2 + ro + 2 * (code - start));
      return g === 0 ? 0 : (g + delta) & 0xffff;
    }
    return 0;
  }

  const cache = new Map<number, number>();
  const em = (code: number): number => {
    let w = cache.get(code);
    if (w === undefined) {
      const glyph = code <= 0xffff ? glyphOf(code) : 0;
      w = glyph === 0 ? MISSING_EM : advance(glyph);
      cache.set(code, w);
    }
    return w;
  };
  return {
    width(text, sizePx) {
      let total = 0;
      for (const ch of text) total += em(ch.codePointAt(0)!);
      return total * sizePx;
    },
  };
}

/** The size in px and weight of a CSS font shorthand as ECharts writes it ("bold 14px DejaVu Sans"). */
export function readFontShorthand(font: string | undefined, defaultSize = 12): { sizePx: number; bold: boolean } {
  const size = /(\d+(?:\.\d+)?)px/.exec(font ?? '');
  return { sizePx: size ? Number(size[1]) : defaultSize, bold: /\b(bold|bolder|[6-9]00)\b/.test(font ?? '') };
}
