import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import type { EncodeResult, OpusApplication } from "@granule/encode";
import type { EncodedFrom } from "@granule/zarr-opus";
import { UsageError } from "./usage-error.ts";

/** What a file is, from its first bytes: Ogg Opus (imported as it is), a recorder's audio (encoded first), or neither. */
export type FileKind = "opus" | "recorder" | "other";

export async function sniffFile(path: string): Promise<FileKind> {
  const handle = await open(path, "r");
  try {
    const head = new Uint8Array(64);
    const { bytesRead } = await handle.read(head, 0, 64, 0);
    const text = String.fromCharCode(...head.subarray(0, bytesRead));
    if (/^(RIFF|RF64|BW64)....WAVE/s.test(text) || text.startsWith("fLaC")) return "recorder";
    if (text.startsWith("OggS")) return text.slice(28, 33) === "\x7fFLAC" ? "recorder" : "opus";
    return "other";
  } finally {
    await handle.close();
  }
}

/** SHA-256 of a file, streamed (to find a recorder's file in an archive before encoding it). */
export async function sha256OfFile(path: string, signal?: AbortSignal): Promise<string> {
  const { createHash } = await import("node:crypto");
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20, ...(signal ? { signal } : {}) })) {
    hash.update(chunk as Buffer);
  }
  return hash.digest("hex");
}

/** The encoder options of the command line. */
export interface EncodeArguments {
  bitrate?: string;
  frameSize?: string;
  application?: string;
}

/** `--bitrate 64000`, `64k`, `96kbps`; `--frame-size 20` (ms); `--application audio|voip|lowdelay`. */
export function encoderOptions(args: EncodeArguments): {
  bitrate?: number;
  frameSizeMs?: number;
  application?: OpusApplication;
} {
  const options: { bitrate?: number; frameSizeMs?: number; application?: OpusApplication } = {};
  if (args.bitrate !== undefined) {
    const match = /^(\d+(?:\.\d+)?)\s*(k|kbps|kbit\/s)?$/i.exec(args.bitrate.trim());
    const bitrate = match === null ? Number.NaN : Number(match[1]) * (match[2] ? 1000 : 1);
    if (!Number.isSafeInteger(bitrate) || bitrate < 500 || bitrate > 512_000 * 255) {
      throw new UsageError(`--bitrate "${args.bitrate}" is not a bitrate like 64000 or 64k (500 b/s or more)`);
    }
    options.bitrate = bitrate;
  }
  if (args.frameSize !== undefined) {
    const ms = Number(args.frameSize);
    if (![2.5, 5, 10, 20, 40, 60].includes(ms)) {
      throw new UsageError(`--frame-size "${args.frameSize}" must be 2.5, 5, 10, 20, 40 or 60 (ms)`);
    }
    options.frameSizeMs = ms;
  }
  if (args.application !== undefined) {
    if (!["audio", "voip", "lowdelay"].includes(args.application)) {
      throw new UsageError(`--application must be audio, voip or lowdelay, not "${args.application}"`);
    }
    options.application = args.application as OpusApplication;
  }
  return options;
}

/** What the archive keeps of an encode: the source file, the rate plan, the encoder, the recorder's metadata. */
export function encodedFrom(result: EncodeResult): EncodedFrom {
  return {
    source: { ...result.source },
    ratePlan: { ...result.ratePlan },
    encoder: { ...result.encoder },
    recorder: JSON.parse(JSON.stringify(result.metadata)) as Record<string, unknown>,
  };
}

/** A line for people: what an encode made of the source (the rate plan). */
export function describePlan(result: {
  ratePlan: EncodeResult["ratePlan"];
  source: Pick<EncodeResult["source"], "format" | "sampleRate" | "channels" | "bitsPerSample">;
}): string {
  const plan = result.ratePlan as EncodeResult["ratePlan"] & {
    originalSampleRate?: number;
    timeExpansion?: number;
    resampledFrom?: number;
  };
  const from = `${result.source.format.toUpperCase()} ${result.source.sampleRate} Hz, ${result.source.channels} ch, ${result.source.bitsPerSample}-bit`;
  switch (plan.kind) {
    case "time-expanded":
      return `${from}: time-expanded ${plan.timeExpansion}x (every sample kept, stored as 48 kHz; real rate ${plan.originalSampleRate} Hz)`;
    case "resampled":
      return `${from}: resampled to 48 kHz with a band-limited resampler`;
    case "upsampled":
      return `${from}: upsampled to 48 kHz by the encoder (exactly ${48_000 / result.source.sampleRate} samples each)`;
    default:
      return `${from}: encoded as it is`;
  }
}
