import type { OpusHead } from "@granule/opus-index";
import { OpusDecoder } from "opus-decoder";
import { ExtractError } from "./errors.ts";

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

/**
 * One libopus decoder that decodes windows of packets, each from the same fresh state, so a
 * segment's samples do not depend on what was decoded before. The fresh state is restored
 * by copying back a snapshot of the decoder's memory, taken right after creation: a memcpy of
 * 40-230 kB instead of a new WASM instance. The decoder never applies pre-skip itself (the
 * caller drops samples) and packets are copied straight into and out of WASM memory.
 */
export class WindowDecoder {
  readonly channels: number;
  private readonly decoder: OpusDecoder & DecoderInternals;
  private readonly wasm: WasmExports;
  private readonly state: number;
  private readonly snapshotStart: number;
  private readonly snapshot: Uint8Array | undefined;

  private constructor(decoder: OpusDecoder & DecoderInternals, head: OpusHead) {
    this.decoder = decoder;
    this.channels = head.channels;
    this.wasm = decoder._common.wasm;
    // A second libopus state in the same instance, bracketed by two probe allocations so its
    // memory (state and wrapper struct) is known: everything allocated between them.
    const mapping = decoder._common.allocateTypedArray(head.channels, Uint8Array);
    mapping.buf.set(head.mapping);
    const before = this.wasm.malloc(16);
    this.wasm.free(before);
    this.state = this.wasm.opus_frame_decoder_create(
      48000,
      head.channels,
      head.streamCount,
      head.coupledCount,
      mapping.ptr,
      0,
      0,
    );
    const after = this.wasm.malloc(16);
    this.wasm.free(after);
    const start = Math.min(before, this.state);
    const end = Math.max(after, this.state + 64);
    // If the allocator did not place the state between the probes, fall back to reset().
    const bracketed = this.state >= before && this.state < after && end - start < 4 * 1024 * 1024;
    this.snapshotStart = start;
    this.snapshot = bracketed ? this.heap().slice(start, end) : undefined;
    decoder._decoder = this.state;
  }

  static async create(head: OpusHead): Promise<WindowDecoder> {
    const decoder = new OpusDecoder({
      channels: head.channels,
      streamCount: head.streamCount,
      coupledStreamCount: head.coupledCount,
      channelMappingTable: [...head.mapping],
      preSkip: 0,
    }) as OpusDecoder & DecoderInternals;
    await decoder.ready;
    return new WindowDecoder(decoder, head);
  }

  /** Whether windows start from a restored snapshot (fast) rather than a reset (slow). */
  get restoresSnapshots(): boolean {
    return this.snapshot !== undefined;
  }

  /** Back to the state right after creation. */
  async restart(): Promise<void> {
    if (this.snapshot !== undefined) {
      this.heap().set(this.snapshot, this.snapshotStart);
    } else {
      await this.decoder.reset();
    }
  }

  /**
   * Decodes `packets` in order from the current state. Decoded sample k of the window goes to
   * `out[c][k - skip]` when `skip <= k < skip + out[c].length`; the rest is dropped.
   * Returns the number of samples decoded.
   */
  decodeInto(packets: readonly Uint8Array[], skip: number, out: Float32Array[], gain: number): number {
    const d = this.decoder;
    const wasm = this.wasm;
    const wanted = out[0]?.length ?? 0;
    let decoded = 0;
    for (let p = 0; p < packets.length; p++) {
      const packet = packets[p]!;
      if (packet.length === 0 || packet.length > d._inputSize) {
        // An empty packet would be concealed as silence; an oversized one overruns the input.
        throw new ExtractError(
          "decode-failed",
          `packet ${p} of the window has ${packet.length} bytes, which libopus cannot decode here`,
        );
      }
      const heap = wasm.HEAP instanceof ArrayBuffer ? wasm.HEAP : wasm.HEAP.buffer;
      new Uint8Array(heap, d._input.ptr, packet.length).set(packet);
      const samples = wasm.opus_frame_decode_float_deinterleaved(
        this.state,
        d._input.ptr,
        packet.length,
        d._output.ptr,
      );
      if (samples < 0) {
        throw new ExtractError("decode-failed", `libopus error ${samples} decoding packet ${p} of the window`);
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

  free(): void {
    this.decoder.free();
  }

  private heap(): Uint8Array {
    const heap = this.wasm.HEAP;
    return new Uint8Array(heap instanceof ArrayBuffer ? heap : heap.buffer);
  }
}

/** The linear gain for an OpusHead output gain in Q7.8 dB. */
export function outputGain(head: OpusHead): number {
  return head.outputGainQ8 === 0 ? 1 : 10 ** (head.outputGainQ8 / (256 * 20));
}
