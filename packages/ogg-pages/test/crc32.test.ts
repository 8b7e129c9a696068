import { crc32 } from "@granule/ogg-pages";
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
});
