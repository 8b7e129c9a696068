import { KERNEL_WASM } from "./kernel-wasm.ts";

/**
 * The inner loop over a flat memory: rows of coefficients, the phase tables and input samples
 * at byte addresses, as in scripts/build-kernel-wasm.mjs. Two implementations give the same
 * bits: 128-bit SIMD WebAssembly where the runtime has it, and a JavaScript loop that rounds
 * every product and sum to float32 in the same order (a float32 product or sum computed in
 * double precision and then rounded is the correctly rounded float32 result).
 */
export interface Kernel {
  readonly kind: "wasm-simd" | "javascript";
  /** Views of the whole memory; replaced when the memory grows. */
  f32: Float32Array;
  i32: Int32Array;
  /** Grows the memory to at least `bytes`. */
  ensure(bytes: number): void;
  /** See scripts/build-kernel-wasm.mjs. Returns the x address after the last output; the phase is in `phase`. */
  run(
    x: number,
    out: number,
    count: number,
    taps: number,
    rows: number,
    next: number,
    advance: number,
    phase: number,
  ): number;
  phase: number;
}

const PAGE_BYTES = 65_536;

interface KernelExports {
  memory: WebAssembly.Memory;
  phase: WebAssembly.Global;
  run: (
    x: number,
    out: number,
    count: number,
    taps: number,
    rows: number,
    next: number,
    advance: number,
    p: number,
  ) => number;
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or null where WebAssembly or its SIMD is missing or not allowed. */
function wasmModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  try {
    const api = (globalThis as { WebAssembly?: typeof WebAssembly }).WebAssembly;
    if (api?.validate(KERNEL_WASM)) compiled = new api.Module(KERNEL_WASM);
  } catch {
    compiled = null;
  }
  return compiled;
}

class WasmKernel implements Kernel {
  readonly kind = "wasm-simd";
  f32: Float32Array;
  i32: Int32Array;
  private readonly exports: KernelExports;

  constructor(module: WebAssembly.Module) {
    this.exports = new WebAssembly.Instance(module).exports as unknown as KernelExports;
    this.f32 = new Float32Array(this.exports.memory.buffer);
    this.i32 = new Int32Array(this.exports.memory.buffer);
  }

  ensure(bytes: number): void {
    const memory = this.exports.memory;
    if (memory.buffer.byteLength >= bytes) return;
    memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE_BYTES));
    this.f32 = new Float32Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer);
  }

  run(x: number, out: number, count: number, taps: number, rows: number, next: number, advance: number, p: number) {
    return this.exports.run(x, out, count, taps, rows, next, advance, p);
  }

  get phase(): number {
    return this.exports.phase.value as number;
  }
}

class JavaScriptKernel implements Kernel {
  readonly kind = "javascript";
  f32 = new Float32Array(0);
  i32 = new Int32Array(0);
  phase = 0;

  ensure(bytes: number): void {
    if (this.f32.byteLength >= bytes) return;
    const buffer = new ArrayBuffer(Math.ceil(bytes / PAGE_BYTES) * PAGE_BYTES);
    new Uint8Array(buffer).set(new Uint8Array(this.f32.buffer));
    this.f32 = new Float32Array(buffer);
    this.i32 = new Int32Array(buffer);
  }

  run(x: number, out: number, count: number, taps: number, rows: number, next: number, advance: number, p: number) {
    const f32 = this.f32;
    const i32 = this.i32;
    const fr = Math.fround;
    let xi = x >> 2;
    let o = out >> 2;
    const end = o + count;
    const nextBase = next >> 2;
    const advanceBase = advance >> 2;
    while (o < end) {
      let h = (rows >> 2) + p * taps;
      const hEnd = h + taps;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let b0 = 0;
      let b1 = 0;
      let b2 = 0;
      let b3 = 0;
      for (let xp = xi; h < hEnd; h += 8, xp += 8) {
        a0 = fr(a0 + fr((f32[xp] as number) * (f32[h] as number)));
        a1 = fr(a1 + fr((f32[xp + 1] as number) * (f32[h + 1] as number)));
        a2 = fr(a2 + fr((f32[xp + 2] as number) * (f32[h + 2] as number)));
        a3 = fr(a3 + fr((f32[xp + 3] as number) * (f32[h + 3] as number)));
        b0 = fr(b0 + fr((f32[xp + 4] as number) * (f32[h + 4] as number)));
        b1 = fr(b1 + fr((f32[xp + 5] as number) * (f32[h + 5] as number)));
        b2 = fr(b2 + fr((f32[xp + 6] as number) * (f32[h + 6] as number)));
        b3 = fr(b3 + fr((f32[xp + 7] as number) * (f32[h + 7] as number)));
      }
      f32[o++] = fr(fr(a0 + b0) + fr(a1 + b1)) + fr(fr(a2 + b2) + fr(a3 + b3));
      xi += i32[advanceBase + p] as number;
      p = i32[nextBase + p] as number;
    }
    this.phase = p;
    return xi << 2;
  }
}

export type KernelKind = Kernel["kind"];

/** A new kernel with its own memory: WebAssembly SIMD where available, unless JavaScript is asked for. */
export function createKernel(kind: KernelKind | "auto" = "auto"): Kernel {
  const module = kind === "javascript" ? null : wasmModule();
  if (module !== null) return new WasmKernel(module);
  if (kind === "wasm-simd") throw new Error("WebAssembly SIMD is not available in this runtime");
  return new JavaScriptKernel();
}

export function wasmSimdAvailable(): boolean {
  return wasmModule() !== null;
}
