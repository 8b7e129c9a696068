import { addDecimal, type Decimal, decimalFromInteger, parseDecimal } from "./decimal.ts";
import { decimalToSample } from "./samples.ts";

const CLOCK = /^(?:(\d+):)?(\d+):(\d+(?:\.\d*)?)$/;
const WITH_UNIT = /^(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|sec|m|min|h)?$/;
const UNIT_SHIFT: Record<string, { times: bigint; scale: number }> = {
  ms: { times: 1n, scale: 3 },
  s: { times: 1n, scale: 0 },
  sec: { times: 1n, scale: 0 },
  m: { times: 60n, scale: 0 },
  min: { times: 60n, scale: 0 },
  h: { times: 3600n, scale: 0 },
};

/**
 * A time as the `granule` command takes it, exactly: seconds (`12.5`), `hh:mm:ss.sss` or
 * `mm:ss.sss`, or a number with a unit (`1500ms`, `2.5s`, `3min`, `1h`). Undefined if it is
 * none of these (or minutes/seconds of a clock time are 60 or more).
 */
export function parseTimeText(text: string): Decimal | undefined {
  const trimmed = text.trim();
  const clock = CLOCK.exec(trimmed);
  if (clock !== null) {
    const [, hours, minutes = "0", seconds = "0"] = clock;
    if (hours !== undefined && Number(minutes) >= 60) return undefined;
    const secs = parseDecimal(seconds)!;
    if (Number(seconds) >= 60) return undefined;
    const whole = BigInt(hours ?? "0") * 3600n + BigInt(minutes) * 60n;
    return addDecimal(decimalFromInteger(whole), secs);
  }
  const withUnit = WITH_UNIT.exec(trimmed);
  if (withUnit === null) return undefined;
  const value = parseDecimal(withUnit[1]!)!;
  const unit = UNIT_SHIFT[withUnit[2] ?? "s"]!;
  return { units: value.units * unit.times, scale: value.scale + unit.scale };
}

/** {@link parseTimeText} as a sample at `rate` by the one rule (`decimalToSample`); undefined if it is no time. */
export function timeTextToSample(text: string, rate: number): number | undefined {
  const seconds = parseTimeText(text);
  return seconds === undefined ? undefined : decimalToSample(seconds, rate);
}
