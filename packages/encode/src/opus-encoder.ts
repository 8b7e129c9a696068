import { EncodeError } from "./errors.ts";
import { OPUS_VERSION, OPUS_WASM_BASE64 } from "./opus-wasm.ts";

export type OpusApplication = "audio" | "voip" | "lowdelay";

const APPLICATION_CODES: Record<OpusApplication, number> = { voip: 2048, audio: 2049, lowdelay: 2051 };
// opus_defines.h request codes.
const SET_BITRATE = 4002;
const SET_VBR = 4006;
const SET_COMPLEXITY = 4010;
const GET_LOOKAHEAD = 4027;
const SET_LSB_DEPTH = 4036;
const SET_EXPERT_FRAME_DURATION = 4040;
/** libopus's limit for one packet of one stream (RFC 6716 §3.4: 1275 bytes per frame, up to 3 frames of 20 ms in 60). */
const MAX_STREAM_PACKET_BYTES = 4000;

interface OpusExports {
  memory: WebAssembly.Memory;
  malloc(bytes: number): number;
  free(pointer: number): void;
  _initialize(): void;
  granule_encoder_create(
    rate: number,
    channels: number,
    streams: number,
    coupled: number,
    mapping: number,
    application: number,
    error: number,
  ): number;
  granule_encoder_destroy(encoder: number): void;
  granule_encode_float(encoder: number, pcm: number, frameSize: number, out: number, maxBytes: number): number;
  granule_encoder_set(encoder: number, request: number, value: number): number;
  granule_encoder_get(encoder: number, request: number, out: number): number;
}

let modulePromise: Promise<WebAssembly.Module> | undefined;

/** Compiles the embedded libopus once per process (about 330 kB of WebAssembly). */
function opusModule(): Promise<WebAssembly.Module> {
  modulePromise ??= WebAssembly.compile(base64Bytes(OPUS_WASM_BASE64));
  return modulePromise;
}

function base64Bytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const ERRORS: Record<number, string> = {
  [-1]: "bad argument",
  [-2]: "buffer too small",
  [-3]: "internal error",
  [-4]: "invalid packet",
  [-5]: "unimplemented",
  [-6]: "invalid state",
  [-7]: "memory allocation failed",
};

export interface OpusEncoderSettings {
  /** Input rate: 8000, 12000, 16000, 24000 or 48000. */
  sampleRate: number;
  channels: number;
  /** Opus streams and how many of them are coupled (stereo); mapping[c] is channel c's stream channel. */
  streams: number;
  coupledStreams: number;
  mapping: Uint8Array;
  application: OpusApplication;
  /** Bits per second for the whole stream (all channels). */
  bitrate: number;
  complexity: number;
  /** Frame duration in samples at `sampleRate` (2.5 to 60 ms). */
  frameSize: number;
  /** Significant bits of the input (helps libopus at low levels); 8 to 24. */
  lsbDepth: number;
}

/**
 * libopus's multistream encoder in its own WebAssembly instance (libopus 1.3.1, float
 * build), fed float samples straight into its memory: one per encode, never shared.
 */
export class OpusEncoder {
  static readonly libopusVersion = OPUS_VERSION;
  /** Samples per channel at the input rate that libopus holds back (the Ogg pre-skip, at that rate). */
  readonly lookahead: number;
  readonly frameSize: number;
  readonly channels: number;
  private readonly wasm: OpusExports;
  private encoder: number;
  private readonly pcm: number;
  private readonly out: number;
  private readonly outBytes: number;

  private constructor(wasm: OpusExports, settings: OpusEncoderSettings) {
    this.wasm = wasm;
    this.channels = settings.channels;
    this.frameSize = settings.frameSize;
    const scratch = wasm.malloc(4 + settings.channels);
    new Uint8Array(wasm.memory.buffer, scratch + 4, settings.channels).set(settings.mapping);
    this.encoder = wasm.granule_encoder_create(
      settings.sampleRate,
      settings.channels,
      settings.streams,
      settings.coupledStreams,
      scratch + 4,
      APPLICATION_CODES[settings.application],
      scratch,
    );
    const error = new Int32Array(wasm.memory.buffer, scratch, 1)[0]!;
    if (this.encoder === 0 || error !== 0) {
      wasm.free(scratch);
      throw new EncodeError("encoder-failed", `libopus could not create an encoder: ${ERRORS[error] ?? error}`);
    }
    this.set(SET_BITRATE, settings.bitrate, "bitrate");
    this.set(SET_VBR, 1, "VBR");
    this.set(SET_COMPLEXITY, settings.complexity, "complexity");
    this.set(SET_LSB_DEPTH, settings.lsbDepth, "LSB depth");
    // The frame size is given with each call; "argument" keeps libopus from choosing another.
    this.set(SET_EXPERT_FRAME_DURATION, 5000, "frame duration");
    const got = wasm.granule_encoder_get(this.encoder, GET_LOOKAHEAD, scratch);
    this.lookahead = new Int32Array(wasm.memory.buffer, scratch, 1)[0]!;
    wasm.free(scratch);
    if (got !== 0) throw new EncodeError("encoder-failed", `libopus did not give its lookahead: ${ERRORS[got] ?? got}`);
    this.pcm = wasm.malloc(settings.frameSize * settings.channels * 4);
    this.outBytes = MAX_STREAM_PACKET_BYTES * settings.streams;
    this.out = wasm.malloc(this.outBytes);
  }

  static async create(settings: OpusEncoderSettings): Promise<OpusEncoder> {
    const instance = await WebAssembly.instantiate(await opusModule(), {
      env: { emscripten_notify_memory_growth: () => undefined },
    });
    const wasm = instance.exports as unknown as OpusExports;
    wasm._initialize();
    return new OpusEncoder(wasm, settings);
  }

  private set(request: number, value: number, what: string): void {
    const status = this.wasm.granule_encoder_set(this.encoder, request, value);
    if (status !== 0)
      throw new EncodeError("encoder-failed", `libopus refused ${what} ${value}: ${ERRORS[status] ?? status}`);
  }

  /**
   * The interleaved input buffer for the next frame, `frameSize × channels` floats inside the
   * encoder's memory. Fill it, then call `encode`. (A fresh view each time: memory may grow.)
   */
  input(): Float32Array {
    return new Float32Array(this.wasm.memory.buffer, this.pcm, this.frameSize * this.channels);
  }

  /** Encodes the frame in `input()`; returns the packet (a copy). */
  encode(): Uint8Array {
    const length = this.wasm.granule_encode_float(this.encoder, this.pcm, this.frameSize, this.out, this.outBytes);
    if (length < 0)
      throw new EncodeError("encoder-failed", `libopus failed to encode a frame: ${ERRORS[length] ?? length}`);
    return new Uint8Array(this.wasm.memory.buffer, this.out, length).slice();
  }

  free(): void {
    if (this.encoder !== 0) {
      this.wasm.granule_encoder_destroy(this.encoder);
      this.wasm.free(this.pcm);
      this.wasm.free(this.out);
      this.encoder = 0;
    }
  }
}
