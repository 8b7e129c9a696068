/** Playback speeds offered: real speed, and slowed down (time expansion) for ultrasound. */
export const PLAYBACK_SPEEDS = [1, 1 / 2, 1 / 4, 1 / 8, 1 / 10, 1 / 16, 1 / 20, 1 / 32] as const;

/** WebAudio buffers must have a rate from 3000 Hz (the spec's lowest) to 768 kHz. */
const MIN_BUFFER_RATE = 3000;
const MAX_BUFFER_RATE = 768_000;

/** The speeds a recording of `sampleRate` can be played at (its buffer rate = sampleRate × speed). */
export function speedsFor(sampleRate: number): number[] {
  return PLAYBACK_SPEEDS.filter((s) => sampleRate * s >= MIN_BUFFER_RATE && sampleRate * s <= MAX_BUFFER_RATE);
}

/** Real speed for audible recordings; 1/10 (bat detectors' usual time expansion) above 48 kHz. */
export function defaultSpeed(sampleRate: number): number {
  const speeds = speedsFor(sampleRate);
  if (sampleRate <= 48_000 && speeds.includes(1)) return 1;
  return speeds.includes(1 / 10) ? 1 / 10 : (speeds.at(-1) ?? 1);
}

/** "real speed", "1/10 speed". */
export function speedLabel(speed: number): string {
  return speed === 1 ? "real speed" : `1/${Math.round(1 / speed)} speed`;
}

/** What a person hears: "playing at 1/10 speed: 80 kHz sounds as 8 kHz". */
export function playbackNote(speed: number, sampleRate: number): string {
  const top = sampleRate / 2;
  const kHz = (hz: number) => `${Number((hz / 1000).toFixed(hz >= 10_000 ? 0 : 1))} kHz`;
  if (speed === 1) return "playing at real speed";
  const example = Math.min(top, 80_000);
  return `playing at ${speedLabel(speed)}: ${kHz(example)} sounds as ${kHz(example * speed)}`;
}
