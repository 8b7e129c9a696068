import type { OpusHead } from "@granule/opus-index";
import { OpusDecoder } from "opus-decoder";
import { DecoderFault } from "./errors.ts";
import { OPUS_DECODER_WASM_BASE64, OPUS_DECODER_WASM_BYTES } from "./opus-decoder-wasm.ts";
import { WASM_STACK_TOP, WASM_STATIC_END } from "./wasm-layout.ts";

/**
 * The subset of opus-decoder 0.7.12's internals used here (the version is pinned exactly).
 * Public API costs: `reset()` re-instantiates the whole WASM module (~1.4 ms), about half the
 * time it takes to decode a 2 s segment, and `decodeFrames` allocates per packet.
 */
interface DecoderInternals {
  _common: {
    wasm: WasmExports;
    allocateTypedArray(length: number, type: typeof Uint8Array): { ptr: number; buf: Uint8Array };
  };
  _decoder: number;
  _input: { ptr: number; buf: Uint8Array };
  _output: { ptr: number; buf: Float32Array };
  _inputSize: number;
  _outputChannelSize: number;
  _outputChannels: number;
}

interface WasmExports {
  HEAP: ArrayBuffer | { buffer: ArrayBuffer };
  malloc(bytes: number): number;
  free(pointer: number): void;
  opus_frame_decoder_create(
    rate: number,
    channels: number,
    streams: number,
    coupled: number,
    mapping: number,
    preSkip: number,
    forceStereo: number,
  ): number;
  opus_frame_decode_float_deinterleaved(decoder: number, input: number, length: number, output: number): number;
}

/** One opus-decoder instance with a second libopus state of ours, and the memory to check it by. */
interface Instance {
  decoder: OpusDecoder & DecoderInternals;
  wasm: WasmExports;
  state: number;
  snapshotStart: number;
  /** The state's memory right after creation; undefined if it could not be bracketed. */
  snapshot: Uint8Array | undefined;
  /** The static data right after creation, as 32-bit words: see `wasm-layout.ts`. */
  pristineStatic: Int32Array;
}

/**
 * One libopus decoder that decodes windows of packets, each from the same fresh state, so a
 * segment's samples do not depend on what was decoded before. The fresh state is restored
 * by copying back a snapshot of the decoder's memory, taken right after creation: a memcpy of
 * 40-230 kB instead of a new WASM instance. The decoder never applies pre-skip itself (the
 * caller drops samples) and packets are copied straight into and out of WASM memory.
 *
 * A trap in the WASM code, or a stack that ran into the static data (checked after every
 * `decodeInto`: a 30 kB compare), makes it `broken` for good: the snapshot covers only the
 * decoder state, not the tables, the allocator or the stack pointer a trap leaves behind.
 * A broken decoder refuses to restart; make a new one.
 */
export class WindowDecoder {
  readonly channels: number;
  private readonly head: OpusHead;
  private instance: Instance;
  private isBroken = false;
  /** The packet being decoded, for a trap's message. */
  private packetAt = 0;

  private constructor(instance: Instance, head: OpusHead) {
    this.instance = instance;
    this.head = head;
    this.channels = head.channels;
  }

  static async create(head: OpusHead): Promise<WindowDecoder> {
    return new WindowDecoder(await createInstance(head), head);
  }

  /** Whether windows start from a restored snapshot (fast) rather than a new instance (slow). */
  get restoresSnapshots(): boolean {
    return this.instance.snapshot !== undefined;
  }

  /** A trap or a stack overflow happened: this decoder's memory cannot be trusted again. */
  get broken(): boolean {
    return this.isBroken;
  }

  /** Back to the state right after creation. */
  async restart(): Promise<void> {
    if (this.isBroken) {
      throw new DecoderFault("trap", -1, "this decoder failed before and cannot be restarted: make a new one");
    }
    const instance = this.instance;
    if (instance.snapshot !== undefined) {
      heapOf(instance.wasm).set(instance.snapshot, instance.snapshotStart);
    } else {
      // opus-decoder's reset() would rebuild its own state, not ours: start a new instance.
      const fresh = await createInstance(this.head);
      instance.decoder.free();
      this.instance = fresh;
    }
  }

  /**
   * Decodes `packets` in order from the current state. Decoded sample k of the window goes to
   * `out[c][k - skip]` when `skip <= k < skip + out[c].length`; the rest is dropped.
   * Returns the number of samples decoded. Throws a `DecoderFault` (an `ExtractError`
   * `decode-failed`) naming the packet's index when a packet cannot be decoded.
   */
  decodeInto(packets: readonly Uint8Array[], skip: number, out: Float32Array[], gain: number): number {
    if (this.isBroken) throw new DecoderFault("trap", -1, "this decoder failed before: make a new one");
    this.packetAt = 0;
    let decoded: number;
    try {
      decoded = this.decodePackets(packets, skip, out, gain);
    } catch (error) {
      if (error instanceof WebAssembly.RuntimeError) {
        this.isBroken = true;
        throw new DecoderFault(
          "trap",
          this.packetAt,
          `the WASM decoder trapped on packet ${this.packetAt} of the window (${error.message})`,
          error,
        );
      }
      this.checkStatic(); // a refused packet after an overflow: the overflow is what matters
      throw error;
    }
    this.checkStatic();
    return decoded;
  }

  /** Throws, and breaks this decoder for good, if the static data changed: the stack overflowed. */
  private checkStatic(): void {
    if (staticIntact(this.instance)) return;
    this.isBroken = true;
    throw new DecoderFault(
      "stack-overflow",
      -1,
      "the WASM decoder's stack overflowed into its static data while decoding the window",
    );
  }

  private decodePackets(packets: readonly Uint8Array[], skip: number, out: Float32Array[], gain: number): number {
    const { decoder: d, wasm, state } = this.instance;
    const wanted = out[0]?.length ?? 0;
    let decoded = 0;
    for (let p = 0; p < packets.length; p++) {
      this.packetAt = p;
      const packet = packets[p]!;
      if (packet.length === 0 || packet.length > d._inputSize) {
        // An empty packet would be concealed as silence; an oversized one overruns the input.
        throw new DecoderFault(
          "packet-size",
          p,
          `packet ${p} of the window has ${packet.length} bytes, which libopus cannot decode here (1 to ${d._inputSize})`,
        );
      }
      const heap = wasm.HEAP instanceof ArrayBuffer ? wasm.HEAP : wasm.HEAP.buffer;
      new Uint8Array(heap, d._input.ptr, packet.length).set(packet);
      const samples = wasm.opus_frame_decode_float_deinterleaved(state, d._input.ptr, packet.length, d._output.ptr);
      if (samples < 0) {
        throw new DecoderFault(
          "libopus-error",
          p,
          `libopus error ${samples} (${LIBOPUS_ERRORS[-samples] ?? "unknown"}) decoding packet ${p} of the window`,
        );
      }
      // Copy the part of this packet's output that falls inside [skip, skip + wanted).
      const from = Math.max(0, skip - decoded);
      const to = Math.min(samples, skip + wanted - decoded);
      if (to > from) {
        const heapNow = wasm.HEAP instanceof ArrayBuffer ? wasm.HEAP : wasm.HEAP.buffer;
        // Deinterleaved with a stride of the samples decoded, not of the buffer's channel size.
        const output = new Float32Array(heapNow, d._output.ptr, d._outputChannels * samples);
        for (let c = 0; c < this.channels; c++) {
          const channel = output.subarray(c * samples + from, c * samples + to);
          const target = out[c]!;
          const at = decoded + from - skip;
          if (gain === 1) target.set(channel, at);
          else for (let i = 0; i < channel.length; i++) target[at + i] = channel[i]! * gain;
        }
      }
      decoded += samples;
    }
    return decoded;
  }

  /** Frees the WASM memory; a broken decoder's is left to the garbage collector (its allocator may be corrupt). */
  free(): void {
    if (!this.isBroken) this.instance.decoder.free();
    this.isBroken = true;
  }
}

const LIBOPUS_ERRORS: Record<number, string> = {
  1: "OPUS_BAD_ARG",
  2: "OPUS_BUFFER_TOO_SMALL",
  3: "OPUS_INTERNAL_ERROR",
  4: "OPUS_INVALID_PACKET",
  5: "OPUS_UNIMPLEMENTED",
  6: "OPUS_INVALID_STATE",
  7: "OPUS_ALLOC_FAIL",
};

/** opus-decoder takes an already compiled module from this static property, for every instance after. */
type WithModule = typeof OpusDecoder & { module?: Promise<WebAssembly.Module> };

/**
 * opus-decoder's own WebAssembly module, inflated at build time (`opus-decoder-wasm.ts`): it
 * would otherwise inflate it in every thread before its first decoder (23-26 ms a thread, against
 * 2-3 ms to compile the bytes). Compiled once per thread; every decoder of the thread shares it.
 */
function useBuiltModule(): void {
  const decoderClass = OpusDecoder as WithModule;
  if (decoderClass.module !== undefined) return;
  decoderClass.module = WebAssembly.compile(fromBase64(OPUS_DECODER_WASM_BASE64, OPUS_DECODER_WASM_BYTES));
}

/**
 * Node's and Bun's Buffer decodes base64 natively (0.2-0.8 ms here; Node 20's atob took 5-11 ms).
 * Elsewhere atob. A page may have a Buffer polyfill of its own, which may not know base64 (Vite's
 * in vitest's browser mode returned nothing): only a result of the right length is taken.
 */
function fromBase64(base64: string, byteLength: number): Uint8Array<ArrayBuffer> {
  const buffer = (globalThis as { Buffer?: { from(text: string, encoding: "base64"): Uint8Array<ArrayBuffer> } })
    .Buffer;
  const native = buffer?.from(base64, "base64");
  if (native?.length === byteLength) return native;
  const text = atob(base64);
  const bytes = new Uint8Array(byteLength);
  for (let i = 0; i < byteLength; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

async function createInstance(head: OpusHead): Promise<Instance> {
  useBuiltModule();
  const decoder = new OpusDecoder({
    channels: head.channels,
    streamCount: head.streamCount,
    coupledStreamCount: head.coupledCount,
    channelMappingTable: [...head.mapping],
    preSkip: 0,
  }) as OpusDecoder & DecoderInternals;
  await decoder.ready;
  const wasm = decoder._common.wasm;
  if (decoder._input.ptr < WASM_STACK_TOP) {
    throw new Error(
      `opus-decoder's memory is not laid out as version 0.7.12's (heap at ${decoder._input.ptr}): see wasm-layout.ts`,
    );
  }
  // A second libopus state in the same instance, bracketed by two probe allocations so its
  // memory (state and wrapper struct) is known: everything allocated between them.
  const mapping = decoder._common.allocateTypedArray(head.channels, Uint8Array);
  mapping.buf.set(head.mapping);
  const before = wasm.malloc(16);
  wasm.free(before);
  const state = wasm.opus_frame_decoder_create(
    48000,
    head.channels,
    head.streamCount,
    head.coupledCount,
    mapping.ptr,
    0,
    0,
  );
  const after = wasm.malloc(16);
  wasm.free(after);
  const start = Math.min(before, state);
  const end = Math.max(after, state + 64);
  // If the allocator did not place the state between the probes, restart with new instances.
  const bracketed = state >= before && state < after && end - start < 4 * 1024 * 1024;
  decoder._decoder = state;
  const heap = heapOf(wasm);
  return {
    decoder,
    wasm,
    state,
    snapshotStart: start,
    snapshot: bracketed ? heap.slice(start, end) : undefined,
    pristineStatic: new Int32Array(heap.buffer.slice(0, WASM_STATIC_END)),
  };
}

function heapOf(wasm: WasmExports): Uint8Array {
  const heap = wasm.HEAP;
  return new Uint8Array(heap instanceof ArrayBuffer ? heap : heap.buffer);
}

/** Whether the static data is as it was after creation (compared as 32-bit words). */
function staticIntact(instance: Instance): boolean {
  const heap = heapOf(instance.wasm);
  const now = new Int32Array(heap.buffer, 0, WASM_STATIC_END / 4);
  const pristine = instance.pristineStatic;
  for (let i = 0; i < pristine.length; i++) if (now[i] !== pristine[i]) return false;
  return true;
}

/** The linear gain for an OpusHead output gain in Q7.8 dB. */
export function outputGain(head: OpusHead): number {
  return head.outputGainQ8 === 0 ? 1 : 10 ** (head.outputGainQ8 / (256 * 20));
}
