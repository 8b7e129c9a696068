// Generates packages/ogg-pages/src/crc32-wasm.ts: the Ogg CRC's slicing-by-16 loop as a tiny
// WebAssembly module, and the same with a 16-lane SIMD loop (wabt compiles the text below), embedded as bytes so the package keeps
// no runtime dependency. Run `npm run crc-wasm` after changing this file; commit the output.
//
// Memory layout: 16 tables x 256 entries x 4 bytes at 0-16383, byte-swapped, because wasm
// loads are little-endian: the register is kept byte-swapped too, so each 16 input bytes are
// four plain i32 loads and sixteen table look-ups. Data to checksum is copied to 16384 on.
import { writeFileSync } from "node:fs";
import wabtInit from "wabt";

const idx = (table, expr) => `(i32.load (i32.add (i32.const ${table * 1024}) (i32.shl ${expr} (i32.const 2))))`;
const byteOf = (word, shift) =>
  shift === 0
    ? `(i32.and (local.get ${word}) (i32.const 255))`
    : shift === 24
      ? `(i32.shr_u (local.get ${word}) (i32.const 24))`
      : `(i32.and (i32.shr_u (local.get ${word}) (i32.const ${shift})) (i32.const 255))`;
const terms = [];
let table = 15;
for (const word of ["$r", "$a", "$b", "$d"])
  for (const shift of [0, 8, 16, 24]) terms.push(idx(table--, byteOf(word, shift)));
const xor = terms.reduce((acc, term) => (acc ? `(i32.xor ${acc} ${term})` : term), "");

const wat = `(module
  (memory (export "memory") 2)
  ;; crc(pointer, byteLength, register): byteLength a multiple of 16; register byte-swapped.
  (func (export "crc") (param $p i32) (param $n i32) (param $r i32) (result i32)
    (local $end i32) (local $a i32) (local $b i32) (local $d i32)
    (local.set $end (i32.add (local.get $p) (local.get $n)))
    (block $done (loop $loop
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $r (i32.xor (local.get $r) (i32.load (local.get $p))))
      (local.set $a (i32.load offset=4 (local.get $p)))
      (local.set $b (i32.load offset=8 (local.get $p)))
      (local.set $d (i32.load offset=12 (local.get $p)))
      (local.set $r ${xor})
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $loop)))
    (local.get $r)))`;

/*
 * The many-page module: the scalar loop above (same layout, same export) plus `lanes`, which
 * advances the CRCs of 16 independent ranges ("lanes", one page each) by 16 bytes per block.
 * The Ogg CRC's byte step is c = (c << 8) ^ T[(c >>> 24) ^ b], and T is linear over GF(2), so
 * T[i] = T[i & 0xf0] ^ T[i & 0x0f]: each table byte is two 16-entry look-ups, which
 * i8x16.swizzle does for 16 lanes at once. The 16 registers are kept as four byte vectors
 * (c3 = top bytes .. c0 = low bytes, lane s = page s); a step is then 2 nibble extractions,
 * 8 swizzles and 8 xors for 16 bytes, against about 5 operations per byte for the scalar loop.
 * Each block loads 16 bytes from each of the 16 lanes and transposes the 16x16 byte matrix
 * (4 rounds of 16 interleaving shuffles), so that vector j holds byte j of every lane.
 *
 * State at 16384: 16 lane pointers (i32), then c0, c1, c2, c3 (v128, byte s = lane s).
 * Two builds: i8x16.swizzle, and i8x16.relaxed_swizzle (the same for indices below 16, which
 * ours always are; V8 on x64 then omits the saturating add that swizzle needs for larger ones).
 */
const LANE_STATE = 16_384;

function oggTable() {
  const t = [];
  for (let n = 0; n < 256; n++) {
    let r = n << 24;
    for (let bit = 0; bit < 8; bit++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    t.push(r >>> 0);
  }
  return t;
}

function lanesWat(swizzle) {
  const table = oggTable();
  const nibbleTable = (high, k) =>
    Array.from({ length: 16 }, (_, n) => {
      const byte = (table[high ? n << 4 : n] >>> (8 * k)) & 255;
      return byte > 127 ? byte - 256 : byte;
    }).join(" ");
  const interleaveLow = "0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23";
  const interleaveHigh = "8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31";
  const locals = [];
  const body = [];
  for (let s = 0; s < 16; s++) locals.push(`(local $p${s} i32)`);
  for (let k = 0; k < 4; k++) locals.push(`(local $c${k} v128)`);
  for (let round = 0; round <= 4; round++) for (let s = 0; s < 16; s++) locals.push(`(local $x${round}_${s} v128)`);
  locals.push("(local $lo v128) (local $hi v128) (local $nibble v128)");
  for (let s = 0; s < 16; s++) body.push(`(local.set $p${s} (i32.load offset=${LANE_STATE + 4 * s} (i32.const 0)))`);
  for (let k = 0; k < 4; k++)
    body.push(`(local.set $c${k} (v128.load offset=${LANE_STATE + 64 + 16 * k} (i32.const 0)))`);
  body.push(`(local.set $nibble (v128.const i8x16 ${Array(16).fill(15).join(" ")}))`);
  body.push("(block $done (loop $loop");
  body.push("(br_if $done (i32.eqz (local.get $blocks)))");
  for (let s = 0; s < 16; s++) {
    body.push(`(local.set $x0_${s} (v128.load (local.get $p${s})))`);
    body.push(`(local.set $p${s} (i32.add (local.get $p${s}) (i32.const 16)))`);
  }
  // Interleaving rows i and i+8 four times transposes: row j ends up holding byte j of every lane.
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < 8; i++) {
      const a = `(local.get $x${round}_${i})`;
      const b = `(local.get $x${round}_${i + 8})`;
      body.push(`(local.set $x${round + 1}_${2 * i} (i8x16.shuffle ${interleaveLow} ${a} ${b}))`);
      body.push(`(local.set $x${round + 1}_${2 * i + 1} (i8x16.shuffle ${interleaveHigh} ${a} ${b}))`);
    }
  }
  for (let j = 0; j < 16; j++) {
    // hi: a 16-bit shift moves no bits across bytes once the low nibbles are cleared.
    body.push(`(local.set $lo (v128.xor (local.get $c3) (local.get $x4_${j})))`);
    body.push(`(local.set $hi (i16x8.shr_u (v128.andnot (local.get $lo) (local.get $nibble)) (i32.const 4)))`);
    body.push("(local.set $lo (v128.and (local.get $lo) (local.get $nibble)))");
    const look = (k) =>
      `(v128.xor (${swizzle} (v128.const i8x16 ${nibbleTable(false, k)}) (local.get $lo)) (${swizzle} (v128.const i8x16 ${nibbleTable(true, k)}) (local.get $hi)))`;
    body.push(`(local.set $c3 (v128.xor (local.get $c2) ${look(3)}))`);
    body.push(`(local.set $c2 (v128.xor (local.get $c1) ${look(2)}))`);
    body.push(`(local.set $c1 (v128.xor (local.get $c0) ${look(1)}))`);
    body.push(`(local.set $c0 ${look(0)})`);
  }
  body.push("(local.set $blocks (i32.sub (local.get $blocks) (i32.const 1)))");
  body.push("(br $loop)))");
  for (let s = 0; s < 16; s++) body.push(`(i32.store offset=${LANE_STATE + 4 * s} (i32.const 0) (local.get $p${s}))`);
  for (let k = 0; k < 4; k++)
    body.push(`(v128.store offset=${LANE_STATE + 64 + 16 * k} (i32.const 0) (local.get $c${k}))`);
  return `
  ;; lanes(blocks): 16 bytes of each of the 16 lanes per block; pointers and registers in memory.
  (func (export "lanes") (param $blocks i32) ${locals.join(" ")}
    ${body.join("\n    ")})`;
}

const manyWat = (swizzle) => wat.replace(/\)\s*$/, `${lanesWat(swizzle)})`);

const wabt = await wabtInit();
const compile = (text, features = {}) => wabt.parseWat("crc32.wat", text, features).toBinary({}).buffer;
const scalar = compile(wat);
const simd = compile(manyWat("i8x16.swizzle"), { simd: true });
const relaxed = compile(manyWat("i8x16.relaxed_swizzle"), { simd: true, relaxed_simd: true });
const array = (buffer) => `new Uint8Array([${Array.from(buffer).join(",")}])`;
const out = `// Generated by scripts/build-crc32-wasm.mjs: do not edit. The Ogg CRC in WebAssembly (see that
// script for the layout and the text sources): the slicing-by-16 loop alone (${scalar.length} bytes), and
// with the 16-lane SIMD loop, using i8x16.swizzle (${simd.length} bytes) or i8x16.relaxed_swizzle (${relaxed.length} bytes).
export const CRC32_WASM = ${array(scalar)};
export const CRC32_SIMD_WASM = ${array(simd)};
export const CRC32_RELAXED_SIMD_WASM = ${array(relaxed)};
`;
writeFileSync(new URL("../packages/ogg-pages/src/crc32-wasm.ts", import.meta.url), out);
console.log(`crc32-wasm.ts: ${scalar.length}, ${simd.length} and ${relaxed.length} bytes of WebAssembly`);
