import { readTable } from "@granule/labels";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addDecimal, compareDecimal, formatDecimal, parseDecimal, subtractDecimal } from "../src/decimal.ts";
import { addFixed, compareFixed, formatFixed, plainDecimal, subtractFixed } from "../src/fast-decimal.ts";
import { secondsToSample } from "../src/samples.ts";

const digits = (max: number) => fc.stringMatching(new RegExp(`^[0-9]{0,${max}}$`));
const plain = fc
  .tuple(digits(20), fc.constantFrom("", "."), digits(26))
  .map(([w, p, f]) => (p === "" && f !== "" ? `${w}.${f}` : `${w}${p}${f}`))
  .filter((t) => /[0-9]/.test(t));
const anyText = fc.oneof(
  plain,
  fc.stringMatching(/^[0-9.eE+\- ]{1,12}$/),
  fc.constantFrom("-0", "-0.0", "0e5", "1e-30"),
);

describe("fast-decimal against decimal.ts", () => {
  it("plainDecimal reads exactly what parseDecimal reads, with formatDecimal's text", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const fast = plainDecimal(text);
        if (fast === undefined) return;
        const exact = parseDecimal(text)!;
        expect(exact).toBeDefined();
        expect(formatFixed(fast)).toBe(formatDecimal(exact));
      }),
      { numRuns: 20000 },
    );
  });
  it("compare, add, subtract as the exact path", () => {
    fc.assert(
      fc.property(plain, plain, (a, b) => {
        const fa = plainDecimal(a);
        const fb = plainDecimal(b);
        if (fa === undefined || fb === undefined) return;
        const ea = parseDecimal(a)!;
        const eb = parseDecimal(b)!;
        const c = compareFixed(fa, fb);
        if (c !== undefined) expect(c).toBe(compareDecimal(ea, eb));
        const s = addFixed(fa, fb);
        if (s !== undefined) expect(formatFixed(s)).toBe(formatDecimal(addDecimal(ea, eb)));
        const d = subtractFixed(fa, fb);
        if (d !== undefined) expect(formatFixed(d)).toBe(formatDecimal(subtractDecimal(ea, eb)));
        // samples from the fast text equal samples from the original (half cases at 48 kHz, 44.1 kHz)
        for (const rate of [48_000, 44_100, 384_000]) {
          let x: unknown;
          let y: unknown;
          try {
            x = secondsToSample(formatFixed(fa), rate);
          } catch (e) {
            x = String(e);
          }
          try {
            y = secondsToSample(a, rate);
          } catch (e) {
            y = String(e);
          }
          expect(x).toBe(y);
        }
      }),
      { numRuns: 20000 },
    );
  });
});

/** Like the CLI's fileChunks: every chunk a view of ONE buffer, overwritten for the next. */
function reusedChunks(bytes: Uint8Array, sizes: number[]): Iterable<Uint8Array> {
  return {
    *[Symbol.iterator]() {
      const buffer = new Uint8Array(Math.max(...sizes));
      let at = 0;
      for (let k = 0; at < bytes.length; k++) {
        const size = Math.min(sizes[k % sizes.length]!, bytes.length - at);
        buffer.set(bytes.subarray(at, at + size));
        yield buffer.subarray(0, size);
        buffer.fill(0x41);
        at += size;
      }
    },
  };
}
function outcome(read: () => ReturnType<typeof readTable>): unknown {
  try {
    const t = read();
    return { ...t, rows: t.rows.map((r) => ({ ...r })) };
  } catch (error) {
    const e = error as { code?: string; row?: number; message?: string };
    return { code: e.code, row: e.row, message: e.message };
  }
}
const cell = fc.stringMatching(/^[a-z ,"\r\n\u00e9\u4e2d\u{1f426}\ufeff]{0,6}$/u);
describe("chunks of one reused buffer", () => {
  it("read as the whole text (UTF-8, BOMs, UTF-16)", () => {
    const q = (c: string) => `"${c.replaceAll('"', '""')}"`;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(cell, cell), { maxLength: 6 }),
        fc.constantFrom("\n", "\r\n", "\r"),
        fc.constantFrom("", "\ufeff", "\ufeff\ufeff"),
        fc.constantFrom("utf-8", "utf-16le"),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 4 }),
        (rows, end, bom, enc, sizes) => {
          const lines = ["start,end,label,note", ...rows.map(([a, b], i) => `${i}.5,${i + 1},${q(a)},${q(b)}`)];
          const text = `${bom}${lines.join(end)}${end}`;
          let bytes: Uint8Array;
          if (enc === "utf-8") bytes = new TextEncoder().encode(text);
          else {
            bytes = new Uint8Array(2 + text.length * 2);
            bytes[0] = 0xff;
            bytes[1] = 0xfe;
            for (let i = 0; i < text.length; i++) {
              bytes[2 + 2 * i] = text.charCodeAt(i) & 0xff;
              bytes[3 + 2 * i] = text.charCodeAt(i) >> 8;
            }
          }
          // the reference: the bytes as one input
          const expected = outcome(() => readTable(bytes, { rows: "array" }));
          expect(outcome(() => readTable(reusedChunks(bytes, sizes), { rows: "array" }))).toEqual(expected);
          expect(outcome(() => readTable(reusedChunks(bytes, sizes), { rows: "view" }))).toEqual(expected);
        },
      ),
      { numRuns: 1500 },
    );
  });
});

import { readdirSync, readFileSync } from "node:fs";
import { LABEL_FORMATS, writeTable } from "@granule/labels";

describe("array and view write alike", () => {
  const root = new URL("./fixtures/", import.meta.url);
  const files: string[] = [];
  for (const dir of readdirSync(root, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of readdirSync(new URL(`${dir.name}/`, root))) files.push(`${dir.name}/${f}`);
  }
  for (const f of files) {
    it(f, () => {
      const bytes = new Uint8Array(readFileSync(new URL(f, root)));
      const results = (mode: "array" | "view") => {
        const out: unknown[] = [];
        let table: ReturnType<typeof readTable>;
        try {
          table = readTable(bytes, { rows: mode, file: f });
        } catch (e) {
          return [String(e)];
        }
        out.push(JSON.stringify(table.rows));
        for (const to of LABEL_FORMATS) {
          for (const opts of [{}, { sampleRate: 48_000 }, { sampleRate: 48_000, positions: "samples" as const }]) {
            try {
              out.push(writeTable(table, to, { ...opts, recordingStartUtc: () => "2025-01-01T00:00:00Z" }));
            } catch (e) {
              out.push(`${(e as { code?: string }).code} ${(e as Error).message}`);
            }
          }
        }
        return out;
      };
      expect(results("view")).toEqual(results("array"));
    });
  }
});

describe("a byte order mark is dropped once, however the bytes are cut", () => {
  it("a chunk holding only the BOM does not make the next chunk's U+FEFF a BOM too", () => {
    const bytes = new TextEncoder().encode("\ufeff\ufeffstart,end\n1,2\n");
    const whole = readTable(bytes);
    const cut = readTable([bytes.slice(0, 3), bytes.slice(3)]);
    expect(whole.columns[0]).toBe("\ufeffstart");
    expect(cut.columns).toEqual(whole.columns);
  });
});
