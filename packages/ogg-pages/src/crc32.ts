import { CRC32_RELAXED_SIMD_WASM, CRC32_SIMD_WASM, CRC32_WASM } from "./crc32-wasm.ts";
import { OggError } from "./errors.ts";

/**
 * The Ogg CRC-32 (RFC 3533): polynomial 0x04C11DB7, initial value 0, MSB-first (not
 * reflected), no final XOR. This is NOT the zlib/PNG CRC-32, which is reflected.
 *
 * Slicing-by-16: sixteen 256-entry tables in one typed array, built once at module load.
 * `TABLES[k * 256 + n]` is the CRC of byte `n` followed by `k` zero bytes, so sixteen input
 * bytes fold into the register with sixteen table look-ups and no per-byte shifting.
 */
const TABLES = buildTables();

function buildTables(): Uint32Array {
  const tables = new Uint32Array(16 * 256);
  for (let n = 0; n < 256; n++) {
    let r = n << 24;
    for (let bit = 0; bit < 8; bit++) {
      r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    }
    tables[n] = r >>> 0;
  }
  for (let k = 1; k < 16; k++) {
    for (let n = 0; n < 256; n++) {
      const previous = tables[(k - 1) * 256 + n] as number;
      tables[k * 256 + n] = ((previous << 8) ^ (tables[previous >>> 24] as number)) >>> 0;
    }
  }
  return tables;
}

/**
 * Continues `crc` over `bytes[start, end)`. Internal: the page reader uses it to checksum a
 * page in place, with the CRC field read as zeros, without copying the page.
 */
export function crc32Range(bytes: Uint8Array, start: number, end: number, crc: number): number {
  if (WASM !== undefined && end - start >= WASM_MIN_BYTES) return crc32RangeWasm(WASM, bytes, start, end, crc);
  return crc32RangeJs(bytes, start, end, crc);
}

function crc32RangeJs(bytes: Uint8Array, start: number, end: number, crc: number): number {
  const t = TABLES;
  let c = crc >>> 0;
  let i = start;
  if (end - start >= 16) {
    // Big-endian 32-bit loads through a DataView measured 1.3-2x faster than four byte
    // loads per word (bench/read-pages.bench.mjs, Node 20).
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const end16 = end - 15;
    while (i < end16) {
      c ^= view.getUint32(i, false);
      const a = view.getUint32(i + 4, false);
      const b = view.getUint32(i + 8, false);
      const d = view.getUint32(i + 12, false);
      c =
        t[0xf00 | (c >>> 24)]! ^
        t[0xe00 | ((c >>> 16) & 0xff)]! ^
        t[0xd00 | ((c >>> 8) & 0xff)]! ^
        t[0xc00 | (c & 0xff)]! ^
        t[0xb00 | (a >>> 24)]! ^
        t[0xa00 | ((a >>> 16) & 0xff)]! ^
        t[0x900 | ((a >>> 8) & 0xff)]! ^
        t[0x800 | (a & 0xff)]! ^
        t[0x700 | (b >>> 24)]! ^
        t[0x600 | ((b >>> 16) & 0xff)]! ^
        t[0x500 | ((b >>> 8) & 0xff)]! ^
        t[0x400 | (b & 0xff)]! ^
        t[0x300 | (d >>> 24)]! ^
        t[0x200 | ((d >>> 16) & 0xff)]! ^
        t[0x100 | ((d >>> 8) & 0xff)]! ^
        t[d & 0xff]!;
      i += 16;
    }
  }
  for (; i < end; i++) {
    c = (c << 8) ^ t[(c >>> 24) ^ bytes[i]!]!;
  }
  return c >>> 0;
}

/*
 * The same slicing-by-16 loop in 417 bytes of WebAssembly (scripts/build-crc32-wasm.mjs):
 * 1.5x the JavaScript loop on page-sized ranges, copy into WASM memory included (1.95 against
 * 1.30 GB/s, 20 kB pages). Used where the runtime allows WebAssembly (a strict
 * Content-Security-Policy may not); the JavaScript loop is the fallback and handles short
 * ranges, for which the copy and call do not pay. Where WebAssembly SIMD validates, the module
 * also has the 16-lane loop that `crc32Many` uses (with relaxed_swizzle where that validates).
 */
const WASM_MIN_BYTES = 256;
/** Tables occupy WASM memory 0-16383; the 16-lane state 16384-16511; data is copied from here on. */
const WASM_DATA_OFFSET = 16_640;
const WASM_LANE_POINTERS = 16_384 / 4;
const WASM_LANE_REGISTERS = 16_384 + 64;

interface WasmCrc {
  crc: (pointer: number, byteLength: number, register: number) => number;
  /** Advances all 16 lanes by `blocks` blocks of 16 bytes; absent without SIMD. */
  lanes: ((blocks: number) => void) | undefined;
  memory: WebAssembly.Memory;
  /** Views of `memory`, renewed when it grows. */
  bytes: Uint8Array;
  words: Int32Array;
}

const WASM = loadWasm();

function loadWasm(): WasmCrc | undefined {
  try {
    const api = (globalThis as { WebAssembly?: typeof WebAssembly }).WebAssembly;
    if (api === undefined) return undefined;
    const binary = [CRC32_RELAXED_SIMD_WASM, CRC32_SIMD_WASM].find((b) => api.validate(b)) ?? CRC32_WASM;
    const instance = new api.Instance(new api.Module(binary));
    const exported = instance.exports as {
      crc: WasmCrc["crc"];
      lanes?: (blocks: number) => void;
      memory: WebAssembly.Memory;
    };
    // WASM memory is little-endian whatever the host: write the byte-swapped tables explicitly so.
    const view = new DataView(exported.memory.buffer);
    for (let i = 0; i < TABLES.length; i++) view.setUint32(i * 4, byteSwap(TABLES[i]!), true);
    const memory = exported.memory;
    return {
      crc: exported.crc,
      lanes: exported.lanes,
      memory,
      bytes: new Uint8Array(memory.buffer),
      words: new Int32Array(memory.buffer),
    };
  } catch {
    return undefined;
  }
}

function byteSwap(x: number): number {
  return ((x >>> 24) | ((x >>> 8) & 0xff00) | ((x << 8) & 0xff0000) | (x << 24)) >>> 0;
}

function crc32RangeWasm(wasm: WasmCrc, bytes: Uint8Array, start: number, end: number, crc: number): number {
  // The module keeps the register byte-swapped, as its little-endian loads see the data.
  let register = byteSwap(crc >>> 0);
  let at = start;
  const room = (wasm.bytes.length - WASM_DATA_OFFSET) & ~15;
  while (end - at >= 16) {
    const length = Math.min(room, (end - at) & ~15);
    wasm.bytes.set(bytes.subarray(at, at + length), WASM_DATA_OFFSET);
    register = wasm.crc(WASM_DATA_OFFSET, length, register);
    at += length;
  }
  return crc32RangeJs(bytes, at, end, byteSwap(register));
}

/*
 * Many ranges at once: each of the 16 SIMD lanes checksums one range, and a lane that finishes
 * takes the next range. Measured (bench/crc32-many.bench.mjs, Node 20, 20 kB pages, copy included):
 * 2.84 GB/s with swizzle and 3.87 with relaxed_swizzle, against 2.05 for the one-range loop. A lane costs the same
 * busy or idle, so once fewer lanes than this are busy and no range is waiting, the rest finish
 * on the one-range loop.
 */
const LANES = 16;
const MANY_MIN_BUSY_LANES = 9;
/** Ranges that span more than this (all ranges are copied to WASM memory at once) go one by one. */
const MANY_MAX_SPAN_BYTES = 16 * 1024 * 1024;

/** Whether `crc32Many` is faster than one `crc32Range` after another (WebAssembly SIMD is there). */
export const CRC32_MANY_IS_FAST = WASM?.lanes !== undefined;

const laneRange = new Int32Array(LANES);
const laneBlocks = new Int32Array(LANES);

/**
 * Many Ogg CRCs in one call: continues `crcs[i]` over `bytes[starts[i], ends[i])` for each
 * `i < count`, in place, so `crcs[i]` becomes `crc32(bytes.subarray(starts[i], ends[i]), crcs[i])`.
 * Ranges may lie anywhere in `bytes`, in any order, and overlap. Where WebAssembly SIMD is
 * available, 16 ranges are checksummed at once (`readPages` checks pages this way); elsewhere
 * it is one `crc32` after another.
 */
export function crc32Many(
  bytes: Uint8Array,
  starts: ArrayLike<number>,
  ends: ArrayLike<number>,
  crcs: Uint32Array,
  count = crcs.length,
): void {
  const wasm = WASM;
  if (!(count >= 0 && count <= crcs.length && count <= starts.length && count <= ends.length)) {
    throw new OggError("invalid-argument", `crc32Many: count ${count} exceeds the arrays given`, 0);
  }
  let low = bytes.length;
  let high = 0;
  for (let i = 0; i < count; i++) {
    const start = starts[i]!;
    const end = ends[i]!;
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= bytes.length)) {
      throw new OggError(
        "invalid-argument",
        `crc32Many: range ${i} [${start}, ${end}) is not within the ${bytes.length} bytes given`,
        0,
      );
    }
    low = Math.min(low, start);
    high = Math.max(high, end);
  }
  const lanes = wasm?.lanes;
  if (wasm === undefined || lanes === undefined || count < MANY_MIN_BUSY_LANES || high - low > MANY_MAX_SPAN_BYTES) {
    for (let i = 0; i < count; i++) crcs[i] = crc32Range(bytes, starts[i]!, ends[i]!, crcs[i]!);
    return;
  }
  ensureRoom(wasm, high - low);
  wasm.bytes.set(bytes.subarray(low, high), WASM_DATA_OFFSET);
  const shift = WASM_DATA_OFFSET - low;
  const memory = wasm.bytes;
  const words = wasm.words;
  let next = 0;
  let busy = 0;
  /** Puts the next range with a whole block on `lane`; ranges without one are done at once. */
  const take = (lane: number): void => {
    while (next < count) {
      const i = next++;
      const blocks = (ends[i]! - starts[i]!) >> 4;
      if (blocks === 0) {
        crcs[i] = crc32RangeJs(bytes, starts[i]!, ends[i]!, crcs[i]!);
        continue;
      }
      const crc = crcs[i]!;
      words[WASM_LANE_POINTERS + lane] = starts[i]! + shift;
      memory[WASM_LANE_REGISTERS + lane] = crc;
      memory[WASM_LANE_REGISTERS + 16 + lane] = crc >>> 8;
      memory[WASM_LANE_REGISTERS + 32 + lane] = crc >>> 16;
      memory[WASM_LANE_REGISTERS + 48 + lane] = crc >>> 24;
      laneRange[lane] = i;
      laneBlocks[lane] = blocks;
      busy++;
      return;
    }
    laneRange[lane] = -1;
  };
  const register = (lane: number): number =>
    (memory[WASM_LANE_REGISTERS + lane]! |
      (memory[WASM_LANE_REGISTERS + 16 + lane]! << 8) |
      (memory[WASM_LANE_REGISTERS + 32 + lane]! << 16) |
      (memory[WASM_LANE_REGISTERS + 48 + lane]! << 24)) >>>
    0;
  /** The lane's range after its SIMD blocks: the last bytes of the range, fewer than 16. */
  const finish = (lane: number, crc: number): void => {
    const i = laneRange[lane]!;
    const tail = starts[i]! + (((ends[i]! - starts[i]!) >> 4) << 4);
    crcs[i] = crc32RangeJs(bytes, tail, ends[i]!, crc);
    laneRange[lane] = -1;
    busy--;
  };
  for (let lane = 0; lane < LANES; lane++) take(lane);
  while (busy >= MANY_MIN_BUSY_LANES || (busy > 0 && next < count)) {
    let blocks = 0x7fffffff;
    for (let lane = 0; lane < LANES; lane++) {
      if (laneRange[lane]! < 0) words[WASM_LANE_POINTERS + lane] = WASM_DATA_OFFSET;
      else blocks = Math.min(blocks, laneBlocks[lane]!);
    }
    // Idle lanes read the start of the data, which is at least as long as any busy range.
    lanes(blocks);
    for (let lane = 0; lane < LANES; lane++) {
      if (laneRange[lane]! < 0) continue;
      laneBlocks[lane] = laneBlocks[lane]! - blocks;
      if (laneBlocks[lane] === 0) {
        finish(lane, register(lane));
        take(lane);
      }
    }
  }
  for (let lane = 0; lane < LANES; lane++) {
    if (laneRange[lane]! < 0) continue;
    const pointer = words[WASM_LANE_POINTERS + lane]!;
    const swapped = wasm.crc(pointer, laneBlocks[lane]! << 4, byteSwap(register(lane)));
    finish(lane, byteSwap(swapped >>> 0));
  }
}

function ensureRoom(wasm: WasmCrc, byteLength: number): void {
  const needed = WASM_DATA_OFFSET + byteLength;
  if (wasm.memory.buffer.byteLength >= needed) return;
  wasm.memory.grow(Math.ceil((needed - wasm.memory.buffer.byteLength) / 65_536));
  wasm.bytes = new Uint8Array(wasm.memory.buffer);
  wasm.words = new Int32Array(wasm.memory.buffer);
}

/**
 * The Ogg CRC-32 of `bytes`. Pass the CRC of the bytes before them as `initial` to checksum
 * data that arrives in pieces: `crc32(b, crc32(a))` equals `crc32(concat(a, b))`.
 */
export function crc32(bytes: Uint8Array, initial = 0): number {
  return crc32Range(bytes, 0, bytes.length, initial);
}
