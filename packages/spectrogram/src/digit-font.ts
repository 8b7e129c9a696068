/*
 * A 3 × 5 bitmap font of the 17 characters axis labels need (digits, ".", "-", "kHz", "s"),
 * written by hand. Why not a library: a font package plus a rasteriser would be a dependency
 * for 17 glyphs, and canvas `fillText` exists only in browsers; this draws the same pixels in
 * Node, Deno, Bun and browsers, so PNGs are byte-identical everywhere.
 */
const GLYPHS: Record<string, readonly string[]> = {
  "0": ["###", "#.#", "#.#", "#.#", "###"],
  "1": [".#.", "##.", ".#.", ".#.", "###"],
  "2": ["###", "..#", "###", "#..", "###"],
  "3": ["###", "..#", "###", "..#", "###"],
  "4": ["#.#", "#.#", "###", "..#", "..#"],
  "5": ["###", "#..", "###", "..#", "###"],
  "6": ["###", "#..", "###", "#.#", "###"],
  "7": ["###", "..#", "..#", ".#.", ".#."],
  "8": ["###", "#.#", "###", "#.#", "###"],
  "9": ["###", "#.#", "###", "..#", "###"],
  ".": [".", ".", ".", ".", "#"],
  "-": ["...", "...", "###", "...", "..."],
  " ": ["..", "..", "..", "..", ".."],
  k: ["#..", "#.#", "##.", "#.#", "#.#"],
  H: ["#.#", "#.#", "###", "#.#", "#.#"],
  z: ["...", "###", ".#.", "#..", "###"],
  s: [".##", "#..", ".#.", "..#", "##."],
};

export const GLYPH_HEIGHT = 5;

function glyph(char: string): readonly string[] {
  return GLYPHS[char] ?? GLYPHS[" "]!;
}

/** Width of `text` in font pixels (one pixel between glyphs). */
export function textWidth(text: string): number {
  let width = 0;
  for (const char of text) width += glyph(char)[0]!.length + 1;
  return Math.max(0, width - 1);
}

/** Draws `text` into an RGBA buffer with its top-left corner at (x, y), each font pixel `scale` pixels square. */
export function drawText(
  rgba: Uint8ClampedArray,
  imageWidth: number,
  x: number,
  y: number,
  text: string,
  color: readonly [number, number, number],
  scale: number,
): void {
  const imageHeight = rgba.length / 4 / imageWidth;
  let cursor = x;
  for (const char of text) {
    const rows = glyph(char);
    for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
      const row = rows[gy]!;
      for (let gx = 0; gx < row.length; gx++) {
        if (row[gx] !== "#") continue;
        for (let dy = 0; dy < scale; dy++) {
          const py = y + gy * scale + dy;
          if (py < 0 || py >= imageHeight) continue;
          for (let dx = 0; dx < scale; dx++) {
            const px = cursor + gx * scale + dx;
            if (px < 0 || px >= imageWidth) continue;
            const at = (py * imageWidth + px) * 4;
            rgba[at] = color[0];
            rgba[at + 1] = color[1];
            rgba[at + 2] = color[2];
            rgba[at + 3] = 255;
          }
        }
      }
    }
    cursor += (rows[0]!.length + 1) * scale;
  }
}
