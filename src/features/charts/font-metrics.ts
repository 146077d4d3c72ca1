// Text widths from the shipped TrueType font itself (its cmap and hmtx tables), so the chart's
// layout (legend rows, axis margins, hidden overlapping labels) is measured with the font resvg
// draws with. Without this, ECharts in Node guesses widths from Helvetica's. Kerning is ignored:
// a few per cent at most. Pure: bytes in, a measuring function out.

export interface FontMetrics {
  /** Advance width of `text` at `sizePx`, in px. Characters the font lacks count 0.6 em. */
  width(text: string, sizePx: number): number;
}

const MISSING_EM = 0.6;

interface WidthTables {
  unitsPerEm: number;
  numberOfHMetrics: number;
  /** The hmtx table: advance width and left side bearing per glyph. */
  hmtx: DataView;
  /** The format-4 Unicode BMP cmap subtable. */
  cmap4: DataView;
}

/** `length` bytes of `font` from `at`, copied (a Buffer's slice would be a view of the whole file). */
const copyOf = (font: Uint8Array, at: number, length: number): DataView => new DataView(new Uint8Array(font.subarray(at, at + length)).buffer);

/**
 * Copies of the two tables the widths come from (~30 KB for DejaVu Sans). A function of its own,
 * so the measuring closures cannot keep the font file's bytes (~0.7 MB) alive for the life of
 * the chart worker (chart-engine.ts).
 */
function widthTables(font: Uint8Array): WidthTables {
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
  const numberOfHMetrics = u16(need('hhea') + 34);

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
  return { unitsPerEm: u16(need('head') + 18), numberOfHMetrics, hmtx: copyOf(font, need('hmtx'), 4 * numberOfHMetrics), cmap4: copyOf(font, sub, u16(sub + 2)) };
}

/** Reads a TrueType/OpenType font's advance widths for the Basic Multilingual Plane (cmap format 4). */
export function fontMetrics(font: Uint8Array): FontMetrics {
  const { unitsPerEm, numberOfHMetrics, hmtx, cmap4 } = widthTables(font);
  const advance = (glyph: number) => hmtx.getUint16(4 * Math.min(glyph, numberOfHMetrics - 1)) / unitsPerEm;
  const c16 = (at: number) => cmap4.getUint16(at);
  const segCount = c16(6) / 2;
  const ends = 14;
  const starts = ends + segCount * 2 + 2;
  const deltas = starts + segCount * 2;
  const rangeOffsets = deltas + segCount * 2;

  function glyphOf(code: number): number {
    for (let i = 0; i < segCount; i++) {
      if (c16(ends + i * 2) < code) continue;
      const start = c16(starts + i * 2);
      if (start > code) return 0;
      const delta = cmap4.getInt16(deltas + i * 2);
      const ro = c16(rangeOffsets + i * 2);
      if (ro === 0) return (code + delta) & 0xffff;
      const g = c16(rangeOffsets + i * 2 + ro + 2 * (code - start));
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
