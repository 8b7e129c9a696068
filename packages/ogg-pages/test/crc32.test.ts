import { crc32, crc32Many, OggError } from "@granule/ogg-pages";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

/** Bit-at-a-time Ogg CRC straight from the definition, to check the sliced tables against. */
function referenceCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 24;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
  }
  return crc >>> 0;
}

describe("crc32", () => {
  it("gives the check value 0x89A1897F for ASCII 123456789", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0x89a1897f);
  });

  it("is 0 for no bytes and differs from zlib's reflected CRC", () => {
    expect(crc32(new Uint8Array(0))).toBe(0);
    // zlib's crc32("123456789") is 0xCBF43926; the Ogg CRC must not be that one.
    expect(crc32(new TextEncoder().encode("123456789"))).not.toBe(0xcbf43926);
  });

  it("matches the bitwise definition for any input length and alignment", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(15), (bytes, shift) => {
        const view = new Uint8Array(bytes.length + shift).subarray(shift);
        view.set(bytes);
        expect(crc32(view)).toBe(referenceCrc(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it("gives the same CRC on both sides of the WebAssembly threshold and across its 112 KiB data area", () => {
    const big = new Uint8Array(300_000 + 15);
    let x = 7;
    for (let i = 0; i < big.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      big[i] = x >>> 24;
    }
    for (const length of [0, 15, 16, 17, 255, 256, 257, 1000, 65_307, 114_688, 114_689, 229_391, 300_000]) {
      for (const shift of [0, 1, 3, 15]) {
        const slice = big.subarray(shift, shift + length);
        expect(crc32(slice), `${length} bytes at +${shift}`).toBe(referenceCrc(slice));
      }
    }
    // Continuing a CRC across calls of either kind gives the CRC of the whole.
    expect(crc32(big.subarray(1000, 300_000), crc32(big.subarray(0, 1000)))).toBe(crc32(big.subarray(0, 300_000)));
    expect(crc32(big.subarray(100, 300_000), crc32(big.subarray(0, 100)))).toBe(crc32(big.subarray(0, 300_000)));
  });

  it.skipIf("Deno" in globalThis || "Bun" in globalThis)(
    "falls back to JavaScript where WebAssembly is not allowed",
    async () => {
      const { spawnSync } = await import("node:child_process");
      const script = `delete globalThis.WebAssembly;
      const { crc32 } = await import("@granule/ogg-pages");
      const bytes = new Uint8Array(200000).map((_, i) => (i * 2654435761) >>> 24);
      console.log(crc32(new TextEncoder().encode("123456789")), crc32(bytes));`;
      const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
        cwd: new URL("..", import.meta.url).pathname,
        encoding: "utf8",
      });
      const bytes = new Uint8Array(200000).map((_, i) => (i * 2654435761) >>> 24);
      expect(run.stderr).toBe("");
      expect(run.stdout.trim()).toBe(`${0x89a1897f} ${crc32(bytes)}`);
    },
  );

  it("continues across pieces: crc32(b, crc32(a)) equals crc32(a + b)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 100 }), (a, b) => {
        const ab = new Uint8Array(a.length + b.length);
        ab.set(a);
        ab.set(b, a.length);
        expect(crc32(b, crc32(a))).toBe(crc32(ab));
      }),
    );
  });

  it("crc32Many gives crc32 of every range: lengths 0-70000, any offsets, initial values and order", () => {
    let x = 99;
    const random = (n: number) => {
      x = (x * 1103515245 + 12345) >>> 0;
      return Math.floor((x / 2 ** 32) * n);
    };
    const bytes = new Uint8Array(3_000_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = random(256);
    for (const count of [0, 1, 8, 9, 15, 16, 17, 33, 64, 200]) {
      for (let round = 0; round < 3; round++) {
        const starts: number[] = [];
        const ends: number[] = [];
        const initial = new Uint32Array(count);
        for (let i = 0; i < count; i++) {
          // Mostly page-like lengths of unequal size, some tiny, some a block short or over.
          const kind = random(4);
          const length = kind === 0 ? random(40) : kind === 1 ? 16 * random(5) + random(3) : random(70_001);
          const start = random(bytes.length - length + 1);
          starts.push(start);
          ends.push(start + length);
          initial[i] = random(2) === 0 ? 0 : random(2 ** 32);
        }
        const crcs = initial.slice();
        crc32Many(bytes, starts, ends, crcs);
        for (let i = 0; i < count; i++) {
          const expected = crc32(bytes.subarray(starts[i]!, ends[i]!), initial[i]!);
          expect(crcs[i], `range ${i} of ${count}: [${starts[i]}, ${ends[i]})`).toBe(expected);
        }
        if (count > 0) {
          const i = random(count);
          const short = bytes.subarray(starts[i]!, Math.min(ends[i]!, starts[i]! + 3000));
          if (initial[i] === 0 && short.length === ends[i]! - starts[i]!) expect(crcs[i]).toBe(referenceCrc(short));
        }
      }
    }
  });

  it("crc32Many matches crc32 on arbitrary batches, overlapping ranges included", () => {
    // Bytes and initial values from a seed: fast-check's own favour zeros, which hide lane mix-ups.
    const noise = (seed: number, length: number) => {
      let x = seed;
      return new Uint8Array(length).map(() => {
        x = (x * 1103515245 + 12345) >>> 0;
        return x >>> 24;
      });
    };
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 9, maxLength: 40 }),
        (length, seed, ranges) => {
          const bytes = noise(seed, length);
          const starts = ranges.map(([a, b]) => Math.min(a % length, b % length));
          const ends = ranges.map(([a, b]) => Math.max(a % length, b % length));
          const initial = new Uint32Array(noise(seed + 1, 4 * ranges.length).buffer);
          const crcs = initial.slice();
          crc32Many(bytes, starts, ends, crcs);
          initial.forEach((c, i) => {
            expect(crcs[i]).toBe(crc32(bytes.subarray(starts[i]!, ends[i]!), c));
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it("crc32Many refuses ranges outside the bytes and counts beyond the arrays", () => {
    const bytes = new Uint8Array(100);
    const call = (starts: number[], ends: number[], count?: number) => () =>
      crc32Many(bytes, starts, ends, new Uint32Array(starts.length), count);
    expect(call([0], [101])).toThrow(OggError);
    expect(call([-1], [10])).toThrow(OggError);
    expect(call([20], [10])).toThrow(OggError);
    expect(call([0], [10], 2)).toThrow(OggError);
    expect(call([0, 5], [100, 5])).not.toThrow();
  });

  it.skipIf("Deno" in globalThis || "Bun" in globalThis)(
    "gives the same CRCs and pages with SIMD, with WebAssembly without SIMD, and with JavaScript alone",
    async () => {
      const { spawnSync } = await import("node:child_process");
      // Many unequal pages, a few damaged: crc32Many's batches, and readPages's checks ahead.
      const script = (setup: string) => `${setup}
      const { crc32, crc32Many, readPages, writePages } = await import("@granule/ogg-pages");
      let x = 5;
      const next = () => (x = (x * 1103515245 + 12345) >>> 0);
      const packets = Array.from({ length: 400 }, (_, i) => ({
        data: new Uint8Array(1 + (next() % 9000)).map(() => next() >>> 24),
        granule: BigInt(i * 960),
        flush: next() % 3 === 0,
      }));
      const bytes = writePages(packets, { serial: 7 });
      for (const at of [5000, 123456, 700001, 700002, bytes.length - 10]) bytes[at] ^= 0x5a;
      const starts = [], ends = [];
      for (let i = 0; i < 300; i++) {
        const a = next() % bytes.length, b = a + (next() % 70000);
        starts.push(a);
        ends.push(Math.min(b, bytes.length));
      }
      const crcs = new Uint32Array(300).map(() => next());
      crc32Many(bytes, starts, ends, crcs);
      const skipped = [];
      const pages = [...readPages(bytes, { onSkip: (s) => skipped.push(s) })].map((p) => [p.byteOffset, p.byteLength]);
      console.log(JSON.stringify({ length: bytes.length, whole: crc32(bytes), crcs: [...crcs], pages, skipped }));`;
      const run = (setup: string, flags: string[] = []) => {
        const result = spawnSync(process.execPath, [...flags, "--input-type=module", "-e", script(setup)], {
          cwd: new URL("..", import.meta.url).pathname,
          encoding: "utf8",
          maxBuffer: 64 * 1024 * 1024,
        });
        expect(result.stderr).toBe("");
        return JSON.parse(result.stdout);
      };
      const simd = run("");
      // relaxed_swizzle: on by default from V8 11.4 (Node 22), behind a flag in Node 20's 11.3
      // (which only the command line sets: v8.setFlagsFromString does not reach WebAssembly).
      const [v8Major, v8Minor] = process.versions.v8.split(".").map(Number) as [number, number];
      const relaxed = run("", v8Major === 11 && v8Minor < 4 ? ["--experimental-wasm-relaxed-simd"] : []);
      // The plain swizzle build: the relaxed one (validated first) refused.
      const plainSimd = run(
        "const validate = WebAssembly.validate; let n = 0; WebAssembly.validate = (b) => n++ > 0 && validate(b);",
      );
      const wasmOnly = run("WebAssembly.validate = () => false;");
      const javascript = run("delete globalThis.WebAssembly;");
      expect(simd.pages.length).toBeGreaterThan(100);
      expect(simd.skipped.length).toBe(4);
      expect(wasmOnly).toEqual(javascript);
      expect(simd).toEqual(javascript);
      expect(relaxed).toEqual(javascript);
      expect(plainSimd).toEqual(javascript);
    },
    60_000,
  );
});
