// A small PNG reader for the chart tests (PNG spec, W3C 2003): the signature, IHDR, and the
// pixels of 8-bit RGB or RGBA images (what resvg writes), inflated with node:zlib and unfiltered.
import { inflateSync } from 'node:zlib';
import assert from 'node:assert/strict';

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface DecodedPng {
  width: number;
  height: number;
  /** RGBA of (x, y). */
  pixel(x: number, y: number): [number, number, number, number];
}

/** The IHDR's size, after checking the signature and that IHDR comes first. */
export function pngSize(png: Buffer): { width: number; height: number } {
  assert.ok(png.subarray(0, 8).equals(PNG_SIGNATURE), 'the PNG signature');
  assert.equal(png.toString('latin1', 12, 16), 'IHDR', 'IHDR is the first chunk');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

export function decodePng(png: Buffer): DecodedPng {
  const { width, height } = pngSize(png);
  const bitDepth = png[24];
  const colorType = png[25];
  assert.equal(bitDepth, 8, '8 bits per channel');
  assert.ok(colorType === 6 || colorType === 2, `RGB or RGBA (colour type ${colorType})`);
  const channels = colorType === 6 ? 4 : 3;
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    if (type === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length));
    if (type === 'IEND') break;
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? out[y * stride + i - channels]! : 0;
      const b = y > 0 ? out[(y - 1) * stride + i]! : 0;
      const c = y > 0 && i >= channels ? out[(y - 1) * stride + i - channels]! : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter];
      assert.ok(predictor !== undefined, `filter type ${filter}`);
      out[y * stride + i] = (line[i]! + predictor) & 0xff;
    }
  }
  return {
    width,
    height,
    pixel(x, y) {
      const at = y * stride + x * channels;
      return [out[at]!, out[at + 1]!, out[at + 2]!, channels === 4 ? out[at + 3]! : 255];
    },
  };
}

/** "#E69F00" -> [230, 159, 0]. */
export const rgbOf = (hex: string): [number, number, number] => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];

/**
 * The bars of a colour: runs of columns (x ranges) that hold at least `minPixels` pixels of
 * exactly that colour below `fromY` (the legend's swatches are above it). Bar interiors are
 * exact; anti-aliased edges are blends and do not count.
 */
export function barsOfColor(img: DecodedPng, hex: string, fromY: number, minPixels = 4): Array<{ from: number; to: number }> {
  const [r, g, b] = rgbOf(hex);
  const runs: Array<{ from: number; to: number }> = [];
  for (let x = 0; x < img.width; x++) {
    let n = 0;
    for (let y = fromY; y < img.height && n < minPixels; y++) {
      const [pr, pg, pb] = img.pixel(x, y);
      if (pr === r && pg === g && pb === b) n++;
    }
    if (n < minPixels) continue;
    const last = runs[runs.length - 1];
    if (last && last.to === x - 1) last.to = x;
    else runs.push({ from: x, to: x });
  }
  return runs;
}
