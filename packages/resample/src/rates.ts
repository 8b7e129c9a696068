import { ResampleError } from "./errors.ts";

/** Highest accepted sample rate, in Hz: keeps every intermediate integer product exact in a double. */
export const MAX_RATE = 2 ** 31 - 1;

/** The conversion in lowest terms: `up` output samples for every `down` input samples. */
export interface Ratio {
  readonly up: number;
  readonly down: number;
}

export function checkRate(name: string, rate: unknown): number {
  if (typeof rate !== "number" || !Number.isInteger(rate) || rate < 1 || rate > MAX_RATE) {
    throw new ResampleError("invalid-rate", `${name} must be an integer from 1 to ${MAX_RATE} Hz, got ${String(rate)}`);
  }
  return rate;
}

export function checkLength(name: string, length: unknown): number {
  if (typeof length !== "number" || !Number.isSafeInteger(length) || length < 0) {
    throw new ResampleError("invalid-length", `${name} must be a non-negative safe integer, got ${String(length)}`);
  }
  return length;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** `outRate / inRate` reduced by their greatest common divisor (44100 -> 48000 is 160/147). */
export function ratioOf(inRate: number, outRate: number): Ratio {
  const g = gcd(checkRate("inRate", inRate), checkRate("outRate", outRate));
  return { up: outRate / g, down: inRate / g };
}

/** floor(a / b) for non-negative integers a < 2^53 and b >= 1, exactly. */
export function floorDiv(a: number, b: number): number {
  return (a - (a % b)) / b;
}

/**
 * Number of output samples for a whole signal of `inputLength` samples:
 * round(inputLength * outRate / inRate), halves rounded up, computed exactly in integers.
 * Output sample j sits at input position j * inRate / outRate, so the last one is at or before
 * the last input sample's position plus half an output period.
 */
export function outputLength(inputLength: number, inRate: number, outRate: number): number {
  checkLength("inputLength", inputLength);
  const { up, down } = ratioOf(inRate, outRate);
  return roundedLength(inputLength, up, down);
}

/** floor((2 n up + down) / (2 down)): exact in doubles while the numerator stays below 2^53. */
export function roundedLength(n: number, up: number, down: number): number {
  const numerator = 2 * n * up + down;
  if (numerator < Number.MAX_SAFE_INTEGER) return floorDiv(numerator, 2 * down);
  const big = (2n * BigInt(n) * BigInt(up) + BigInt(down)) / (2n * BigInt(down));
  return Number(big);
}
