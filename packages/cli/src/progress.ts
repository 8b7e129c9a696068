export interface Progress {
  /** `detail` names what is being worked on (a file). */
  update(done: number, total: number, detail?: string): void;
  stop(): void;
}

/**
 * A progress bar on stderr when it is a terminal and not --quiet; otherwise nothing (and
 * cli-progress is not even loaded: a scripted run does not pay for it).
 */
export async function progressBar(label: string, unit: "bytes" | "segments", quiet: boolean): Promise<Progress> {
  if (quiet || !process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const { default: cliProgress } = await import("cli-progress");
  const format =
    unit === "bytes"
      ? `${label} {detail}[{bar}] {percentage}% | {doneMB}/{totalMB} MB | {eta_formatted} left`
      : `${label} [{bar}] {percentage}% | {value}/{total} segments | {eta_formatted} left`;
  const bar = new cliProgress.SingleBar(
    { format, stream: process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let currentTotal = -1;
  return {
    update(done, total, detail) {
      const payload = {
        doneMB: (done / 1e6).toFixed(1),
        totalMB: (total / 1e6).toFixed(1),
        detail: detail ? `${detail} ` : "",
      };
      if (!started) {
        bar.start(total, done, payload);
        started = true;
      } else if (total !== currentTotal) {
        bar.setTotal(total); // the next file of an import
      }
      currentTotal = total;
      bar.update(done, payload);
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

/** Runs `work` with a progress bar that is stopped however it ends (a live bar keeps Node running). */
export async function withProgress<T>(
  label: string,
  unit: "bytes" | "segments",
  quiet: boolean,
  work: (progress: Progress) => Promise<T>,
): Promise<T> {
  const bar = await progressBar(label, unit, quiet);
  try {
    return await work(bar);
  } finally {
    bar.stop();
  }
}
