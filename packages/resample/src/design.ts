import { ResampleError } from "./errors.ts";
import { type QualitySpec, qualityKey } from "./quality.ts";
import { floorDiv, type Ratio } from "./rates.ts";

/**
 * The filter: a Kaiser-windowed sinc, designed once per quality in "normalized time" (tau, in
 * periods of the lower of the two rates) and tabulated densely; each polyphase row is read
 * from that table by linear interpolation and normalized to a sum of 1, so a constant input
 * gives the same constant out at every phase.
 *
 * Only +, -, *, / and sqrt (all correctly rounded in IEEE 754) go into the coefficients: sin
 * and the Bessel function are computed here rather than with Math.sin or Math.exp, whose last
 * bits may differ between JavaScript engines. So every runtime builds the same coefficients
 * and the output is the same to the bit in Node, Deno, Bun and browsers.
 */

/** Table points per period of the lower rate: linear interpolation error below -140 dB. */
const TABLE_DENSITY = 2048;
/** Longest filter accepted, in input samples (a 4 MB row): 768 kHz -> 8 kHz needs 6,360 at "high". */
const MAX_TAPS = 1 << 20;
/** Designing this many dB beyond the asked rejection covers the Kaiser formula's optimism. */
const DESIGN_MARGIN_DB = 3;

export interface Prototype {
  readonly spec: QualitySpec;
  /** Half of the filter's length, in periods of the lower rate. */
  readonly halfSpan: number;
  /** h(tau) at tau = i / TABLE_DENSITY; zero from halfSpan on. Unnormalized. */
  readonly table: Float64Array;
}

export interface FilterDesign extends Ratio {
  readonly prototype: Prototype;
  /** Output j reads input samples q - reach + 1 .. q + reach, where q = floor(j * down / up). */
  readonly reach: number;
  /** Coefficients per row: 2 * reach rounded up to a multiple of 8 (the kernel's stride), padded with zeros. */
  readonly taps: number;
}

/** sin(pi x), from a fixed Taylor series after exact reduction to |x| <= 1/2. */
export function sinPi(x: number): number {
  let r = x - 2 * Math.round(x / 2);
  if (r > 0.5) r = 1 - r;
  else if (r < -0.5) r = -1 - r;
  const z = Math.PI * r;
  const z2 = z * z;
  let term = z;
  let sum = z;
  for (let k = 1; k <= 12; k++) {
    term *= -z2 / (2 * k * (2 * k + 1));
    sum += term;
  }
  return sum;
}

/** The modified Bessel function of the first kind, order 0, from its power series. */
export function besselI0(x: number): number {
  const q = (x * x) / 4;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 500; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** Kaiser's beta for a stop-band attenuation of `db` decibels (db >= 50). */
function kaiserBeta(db: number): number {
  return 0.1102 * (db - 8.7);
}

export function designPrototype(spec: QualitySpec): Prototype {
  const db = spec.rejectionDb + DESIGN_MARGIN_DB;
  // In tau units the lower rate's Nyquist frequency is 1/2 cycle per period.
  const transition = (spec.stopband - spec.passband) / 2;
  const cutoff = (spec.passband + spec.stopband) / 2; // sinc(cutoff * tau) has its edge there
  const order = (db - 7.95) / (2.285 * 2 * Math.PI * transition);
  const halfSpan = order / 2;
  const beta = kaiserBeta(db);
  const i0Beta = besselI0(beta);
  const length = Math.ceil(halfSpan * TABLE_DENSITY) + 2;
  const table = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    const tau = i / TABLE_DENSITY;
    if (tau >= halfSpan) break;
    const ratio = tau / halfSpan;
    const window = besselI0(beta * Math.sqrt(1 - ratio * ratio)) / i0Beta;
    const u = cutoff * tau;
    const sinc = u === 0 ? 1 : sinPi(u) / (Math.PI * u);
    table[i] = sinc * window;
  }
  return { spec, halfSpan, table };
}

const prototypes = new Map<string, Prototype>();

export function prototypeFor(spec: QualitySpec): Prototype {
  const key = qualityKey(spec);
  let prototype = prototypes.get(key);
  if (prototype === undefined) {
    prototype = designPrototype(spec);
    if (prototypes.size >= 8) prototypes.delete(prototypes.keys().next().value as string);
    prototypes.set(key, prototype);
  }
  return prototype;
}

export function designFilter(ratio: Ratio, spec: QualitySpec): FilterDesign {
  const prototype = prototypeFor(spec);
  const { up, down } = ratio;
  // Input samples per period of the lower rate: 1 when upsampling, down / up when downsampling.
  const stretch = Math.max(1, down / up);
  const reach = Math.max(Math.ceil(prototype.halfSpan * stretch), Math.ceil(down / up) + 1);
  const taps = Math.ceil((2 * reach) / 8) * 8;
  if (taps > MAX_TAPS) {
    throw new ResampleError(
      "invalid-rate",
      `${down}:${up} (input:output samples) needs ${taps} taps per output, more than ${MAX_TAPS}: the output rate is too low for the input rate`,
    );
  }
  return { up, down, prototype, reach, taps };
}

/**
 * The row for an output at q + phase / phases (in input samples; 0 <= phase <= phases) into
 * `row[offset, offset + taps)`: coefficient i weighs input sample q - reach + 1 + i. The
 * polyphase table uses phases = up; ratios with too many phases for a table use a finer grid.
 */
export function fillRow(design: FilterDesign, phase: number, phases: number, row: Float32Array, offset: number): void {
  const { up, down, reach, taps, prototype } = design;
  const { table, halfSpan } = prototype;
  // tau = |phase / phases + n| * min(1, up / down): one exact ratio of integers for the table.
  const scale = phases === up ? Math.max(up, down) : phases * (Math.max(up, down) / up);
  const count = 2 * reach;
  if (rowScratch.length < count) rowScratch = new Float64Array(count);
  const values = rowScratch;
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const tau = Math.abs(phase + (reach - 1 - i) * phases) / scale;
    let value = 0;
    if (tau < halfSpan) {
      const u = tau * TABLE_DENSITY;
      const k = Math.floor(u);
      const a = table[k] as number;
      value = a + (u - k) * ((table[k + 1] as number) - a);
    }
    values[i] = value;
    sum += value;
  }
  for (let i = 0; i < count; i++) row[offset + i] = (values[i] as number) / sum;
  row.fill(0, offset + count, offset + taps);
}

let rowScratch = new Float64Array(0);

/** Input samples from the first tap of output j to the first tap of output j + 1, for each phase. */
export function phaseSteps(design: FilterDesign): { next: Int32Array; advance: Int32Array } {
  const { up, down } = design;
  const next = new Int32Array(up);
  const advance = new Int32Array(up);
  for (let p = 0; p < up; p++) {
    next[p] = (p + down) % up;
    advance[p] = floorDiv(p + down, up);
  }
  return { next, advance };
}
