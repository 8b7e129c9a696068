import { designFilter, type FilterDesign, fillRow, phaseSteps } from "./design.ts";
import { createKernel, type Kernel, type KernelKind } from "./kernel.ts";
import { type QualitySpec, qualityKey } from "./quality.ts";
import { floorDiv, type Ratio } from "./rates.ts";

/**
 * Ratios whose rows fit in this many coefficients (16 MB) get one row per phase. Others (a
 * numerator in the tens of thousands, like 44101 -> 768000) get rows on a grid of phases that
 * fits the same size, and each output interpolates linearly between the two rows around its
 * phase: its position stays exact, its coefficients move by less than the table's own error.
 */
const MAX_TABLE_COEFFICIENTS = 1 << 22;
/**
 * Grid rows per period of the lower rate: twice the prototype table's density. Not more: the
 * rows an output needs are far apart in the grid, so a grid that outgrows the caches costs a
 * memory round trip per row (a 16 MB grid ran 20 times slower than this one).
 */
const GRID_DENSITY = 4096;
/** Input samples copied into the kernel's memory at a time: bounds memory whatever the input length. */
const PIECE_INPUT_SAMPLES = 1 << 16;

/**
 * A designed filter and a kernel holding its rows. `run` computes outputs from any
 * Float32Array holding the input samples they need: pure, synchronous, and the same bits for
 * the same samples, phase and rows whatever the call pattern.
 */
export class Polyphase {
  readonly design: FilterDesign;
  readonly tabulated: boolean;
  /** Rows between phase 0 and 1 on the grid (interpolated mode), else 0. */
  private readonly grid: number;
  private readonly kernel: Kernel;
  private readonly rowsAddress = 0;
  private readonly nextAddress: number;
  private readonly advanceAddress: number;
  private readonly inputAddress: number;

  constructor(ratio: Ratio, spec: QualitySpec, kernelKind: KernelKind | "auto" = "auto", forceGrid = false) {
    this.design = designFilter(ratio, spec);
    const { up, down, taps } = this.design;
    this.tabulated = !forceGrid && up * taps <= MAX_TABLE_COEFFICIENTS;
    this.kernel = createKernel(kernelKind);
    const stretch = Math.max(1, down / up); // input samples per period of the lower rate
    const gridRows = Math.min(Math.ceil(GRID_DENSITY / stretch), Math.floor(MAX_TABLE_COEFFICIENTS / taps) - 1);
    this.grid = this.tabulated ? 0 : Math.max(16, gridRows);
    const phases = this.tabulated ? up : this.grid + 1;
    this.nextAddress = phases * taps * 4;
    this.advanceAddress = this.nextAddress + phases * 4;
    this.inputAddress = Math.ceil((this.advanceAddress + phases * 4) / 16) * 16;
    this.kernel.ensure(this.inputAddress);
    if (this.tabulated) {
      const { next, advance } = phaseSteps(this.design);
      for (let p = 0; p < up; p++) fillRow(this.design, p, up, this.kernel.f32, p * taps);
      this.kernel.i32.set(next, this.nextAddress / 4);
      this.kernel.i32.set(advance, this.advanceAddress / 4);
    } else {
      for (let k = 0; k <= this.grid; k++) fillRow(this.design, k, this.grid, this.kernel.f32, k * taps);
      this.kernel.i32[this.nextAddress / 4] = 0;
      this.kernel.i32[this.advanceAddress / 4] = 0;
    }
  }

  get kernelKind(): KernelKind {
    return this.kernel.kind;
  }

  /** Input samples from the first tap of the first of `count` outputs to the last tap of the last. */
  span(phase: number, count: number): number {
    if (count === 0) return 0;
    return floorDiv(phase + (count - 1) * this.design.down, this.design.up) + this.design.taps;
  }

  /**
   * `count` outputs into out[outStart...]: the first has its first tap at x[xStart] and the
   * given phase, each next one `down / up` input samples later. x must hold span() samples from xStart.
   */
  run(x: Float32Array, xStart: number, phase: number, count: number, out: Float32Array, outStart: number): void {
    const { up, down, taps } = this.design;
    if (xStart + this.span(phase, count) > x.length) throw new RangeError("polyphase input too short");
    const piece = Math.max(1, floorDiv(PIECE_INPUT_SAMPLES * up, down));
    let done = 0;
    while (done < count) {
      const n = Math.min(piece, count - done);
      const span = this.span(phase, n);
      const outAddress = this.inputAddress + Math.ceil(span / 4) * 16;
      this.kernel.ensure(outAddress + n * 4 + 8); // + 8: the interpolated mode's pair of dot products
      const { f32 } = this.kernel;
      f32.set(x.subarray(xStart, xStart + span), this.inputAddress / 4);
      if (this.tabulated) {
        this.kernel.run(
          this.inputAddress,
          outAddress,
          n,
          taps,
          this.rowsAddress,
          this.nextAddress,
          this.advanceAddress,
          phase,
        );
      } else {
        // Output at phase p / up: rows k and k + 1 of the grid around it, then a + f (b - a).
        const grid = this.grid;
        const pair = outAddress + n * 4;
        let offset = 0;
        let p = phase;
        for (let m = 0; m < n; m++) {
          const scaled = p * grid;
          const k = floorDiv(scaled, up);
          const f = (scaled - k * up) / up;
          const at = this.inputAddress + offset * 4;
          this.kernel.run(at, pair, 1, taps, k * taps * 4, this.nextAddress, this.advanceAddress, 0);
          this.kernel.run(at, pair + 4, 1, taps, (k + 1) * taps * 4, this.nextAddress, this.advanceAddress, 0);
          const a = f32[pair / 4] as number;
          const b = f32[pair / 4 + 1] as number;
          f32[outAddress / 4 + m] = a + f * (b - a);
          offset += floorDiv(p + down, up);
          p = (p + down) % up;
        }
      }
      out.set(this.kernel.f32.subarray(outAddress / 4, outAddress / 4 + n), outStart + done);
      const steps = phase + n * down;
      xStart += floorDiv(steps, up);
      phase = steps % up;
      done += n;
    }
  }
}

const cache = new Map<string, Polyphase>();
const CACHE_SIZE = 16;

/** A shared Polyphase for this ratio and quality (designing rows costs milliseconds; keep them). */
export function polyphaseFor(ratio: Ratio, spec: QualitySpec): Polyphase {
  const key = `${ratio.up}/${ratio.down}/${qualityKey(spec)}`;
  let polyphase = cache.get(key);
  if (polyphase === undefined) {
    polyphase = new Polyphase(ratio, spec);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  } else {
    cache.delete(key);
  }
  cache.set(key, polyphase);
  return polyphase;
}
