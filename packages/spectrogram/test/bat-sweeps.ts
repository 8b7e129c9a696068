/** The facts of fixtures/bat-sweeps-384k.opus, as fixtures/make-fixtures.mjs made it. */
export const BAT = {
  file: new URL("./fixtures/bat-sweeps-384k.opus", import.meta.url),
  trueRate: 384_000,
  timeExpansion: 8,
  durationSeconds: 0.5,
  sweepStartsSeconds: [0.05, 0.15, 0.25, 0.35, 0.45],
  sweepSeconds: 0.005,
  fromHz: 80_000,
  toHz: 20_000,
} as const;

/** The sweep's frequency at `seconds` after its start, in real Hz. */
export function sweepHz(seconds: number): number {
  return BAT.fromHz + ((BAT.toHz - BAT.fromHz) * seconds) / BAT.sweepSeconds;
}
