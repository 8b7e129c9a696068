/**
 * The memory layout of opus-decoder 0.7.12's WASM module (the version is pinned exactly), read
 * from its binary: static data (libopus's constant tables, the allocator's break pointer) from
 * address 1024 to 28,711, then the 64 KiB stack, growing down from 95,616 (the initial
 * `__stack_pointer`), then the heap. A fixed 29 MB memory: it never grows. The test
 * `wasm-layout.test.ts` checks these numbers against the module.
 *
 * Why it matters: libopus keeps its scratch buffers on the stack, and a clean stereo CELT
 * packet already takes about 62 KB of the 64 KiB; some damaged packets (a SILK payload after a
 * CELT one) take over 69 KB, and the stack runs down into the static data. Nothing traps at
 * that moment: the constant tables are silently overwritten, so the same and every later
 * packet decodes wrong, and some later one may trap (divide by zero, memory access out of
 * bounds). Native libopus, with a stack of megabytes, decodes these packets.
 */
export const WASM_STACK_TOP = 95_616;
export const WASM_STACK_BYTES = 65_536;
/** Everything below this is static data: any change to it while decoding means the stack overflowed. */
export const WASM_STATIC_END = WASM_STACK_TOP - WASM_STACK_BYTES;
