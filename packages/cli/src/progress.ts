import cliProgress from "cli-progress";

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

/** A progress bar on stderr when it is a terminal and not --quiet; otherwise nothing. */
export function progressBar(label: string, unit: "bytes" | "segments", quiet: boolean): Progress {
  if (quiet || !process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const format =
    unit === "bytes"
      ? `${label} [{bar}] {percentage}% | {doneMB}/{totalMB} MB | {eta_formatted} left`
      : `${label} [{bar}] {percentage}% | {value}/{total} segments | {eta_formatted} left`;
  const bar = new cliProgress.SingleBar(
    { format, stream: process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      const extra = { doneMB: (done / 1e6).toFixed(1), totalMB: (total / 1e6).toFixed(1) };
      if (!started) {
        bar.start(total, done, extra);
        started = true;
      } else {
        bar.update(done, extra);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
