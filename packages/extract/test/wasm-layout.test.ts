import { describe, expect, it } from "vitest";
import { OPUS_DECODER_VERSION, OPUS_DECODER_WASM_BASE64, OPUS_DECODER_WASM_BYTES } from "../src/opus-decoder-wasm.ts";

/** The numbers of src/wasm-layout.ts (not exported: internal to the decoder). */
const WASM_STACK_TOP = 95_616;
const WASM_STATIC_END = 30_080;

/** Reads the first global's i32 initial value and the end of the data segments from a WASM binary. */
function layoutOf(bytes: Uint8Array): { stackTop: number; dataEnd: number; memoryPages: [number, number] } {
  let i = 8;
  const leb = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[i++]!;
      result |= (byte & 0x7f) << shift;
      shift += 7;
      if (byte < 0x80) return result >>> 0;
    }
  };
  let stackTop = -1;
  let dataEnd = 0;
  let memoryPages: [number, number] = [0, 0];
  while (i < bytes.length) {
    const id = bytes[i++]!;
    const size = leb();
    const end = i + size;
    if (id === 5) {
      leb(); // count
      const flags = leb();
      memoryPages = [leb(), flags & 1 ? leb() : -1];
    } else if (id === 6 && stackTop < 0) {
      leb(); // count
      i += 2; // type i32, mutable
      expect(bytes[i++]).toBe(0x41); // i32.const
      stackTop = leb();
    } else if (id === 11) {
      const count = leb();
      for (let s = 0; s < count; s++) {
        expect(leb()).toBe(0); // active segment, memory 0
        expect(bytes[i++]).toBe(0x41);
        const offset = leb();
        expect(bytes[i++]).toBe(0x0b);
        const length = leb();
        i += length;
        dataEnd = Math.max(dataEnd, offset + length);
      }
    }
    i = end;
  }
  return { stackTop, dataEnd, memoryPages };
}

/** The module's bytes, inflated as opus-decoder does it (its internals, pinned at 0.7.12). */
async function inflatedByOpusDecoder(): Promise<Uint8Array<ArrayBuffer>> {
  const { OpusDecoder } = await import("opus-decoder");
  const decoder = new OpusDecoder({ channels: 1 }) as unknown as {
    ready: Promise<void>;
    free(): void;
    _EmscriptenWASM: { wasm: string };
    _WASMAudioDecoderCommon: { inflateDynEncodeString(source: string): Promise<Uint8Array<ArrayBuffer>> };
  };
  await decoder.ready;
  const decoderModule = await decoder._WASMAudioDecoderCommon.inflateDynEncodeString(decoder._EmscriptenWASM.wasm);
  decoder.free();
  return decoderModule;
}

describe("opus-decoder's WASM memory layout", () => {
  it("is the one the stack-overflow check assumes: static data below 30,080, a 64 KiB stack under 95,616, a fixed memory", async () => {
    const decoderModule = await inflatedByOpusDecoder();
    expect(WebAssembly.validate(decoderModule)).toBe(true);
    const layout = layoutOf(decoderModule);
    expect(layout.stackTop).toBe(WASM_STACK_TOP);
    expect(layout.dataEnd).toBeLessThanOrEqual(WASM_STATIC_END);
    expect(layout.memoryPages).toEqual([448, 448]);
  });
});

describe("the decoder module inflated at build time (src/opus-decoder-wasm.ts)", () => {
  it("is byte for byte the module the installed opus-decoder inflates (regenerate with npm run opus-wasm)", async () => {
    const pinned = (await import("../package.json", { with: { type: "json" } })).default.dependencies["opus-decoder"];
    expect(OPUS_DECODER_VERSION).toBe(pinned);
    const built = Uint8Array.from(atob(OPUS_DECODER_WASM_BASE64), (c) => c.charCodeAt(0));
    expect(built.length).toBe(OPUS_DECODER_WASM_BYTES);
    const inflated = await inflatedByOpusDecoder();
    expect(built).toEqual(new Uint8Array(inflated));
  });
});
