// Whole-process timing: hyperfine (Debian's) runs each command once per round, the commands of a
// row side by side in one hyperfine call, their order swapped every round, so that the noise of
// a shared machine falls on both alike. Peak RSS comes from GNU time (`/usr/bin/time -f %M`)
// around each command, or, without it, from a small wrapper reading the child's rusage.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const gnuTime = "/usr/bin/time";

/** One word for hyperfine's shell-words splitting (`-N`: no shell between us and the command). */
export function quote(word) {
  return /^[A-Za-z0-9_./:=,+%@-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

export function commandLine(argv) {
  return argv.map(quote).join(" ");
}

/** The command line for reports: a long run of files in one folder is shown as first ... last (n files). */
export function displayCommandLine(argv) {
  const out = [];
  for (let i = 0; i < argv.length; ) {
    const folder = argv[i].includes("/") ? argv[i].slice(0, argv[i].lastIndexOf("/") + 1) : null;
    let j = i;
    while (folder && j < argv.length && argv[j].startsWith(folder) && !argv[j].slice(folder.length).includes("/")) j++;
    if (j - i > 4) {
      out.push(`${quote(argv[i])} ... ${quote(argv[j - 1])} (${j - i} files)`);
      i = j;
    } else {
      out.push(quote(argv[i]));
      i++;
    }
  }
  return out.join(" ");
}

/** Runs a command to its end; resolves with its exit code, stdout and stderr. */
export function runProcess(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
    const out = [];
    const err = [];
    child.stdout.on("data", (chunk) => out.push(chunk));
    child.stderr.on("data", (chunk) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code, signal) =>
      resolve({
        code: code ?? 128,
        signal,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      }),
    );
  });
}

function wrapWithPeakMemory(argv, memoryFile) {
  if (existsSync(gnuTime)) return [gnuTime, "-f", "%M", "-o", memoryFile, ...argv];
  return [process.execPath, join(here, "peak-rss.mjs"), memoryFile, ...argv];
}

function readPeakKiB(memoryFile) {
  const lines = readFileSync(memoryFile, "utf8").trim().split("\n");
  const kib = Number(lines[lines.length - 1]);
  if (!Number.isFinite(kib)) throw new Error(`no peak RSS in ${memoryFile}: ${lines.join(" / ")}`);
  return kib;
}

export function median(values) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * commands: [{ key, argv, prepare? (a shell command run before every run, untimed) }].
 * Returns per key: wall and CPU medians (ms), peak RSS (MiB, the largest of the runs), the runs,
 * and the load average seen at each round.
 */
export async function measureCommands({ commands, rounds, warmup, workDir, log }) {
  mkdirSync(workDir, { recursive: true });
  const runs = Object.fromEntries(commands.map((c) => [c.key, []]));
  const loads = [];
  for (let round = 0; round < warmup + rounds; round++) {
    const order = round % 2 === 0 ? commands : [...commands].reverse();
    const json = join(workDir, "hyperfine.json");
    const args = ["-N", "--runs", "1", "--style", "none", "--export-json", json];
    for (const command of order) args.push("--prepare", commandLine(["sh", "-c", command.prepare ?? "true"]));
    for (const command of order) {
      const memoryFile = join(workDir, `${command.key}.rss`);
      rmSync(memoryFile, { force: true });
      args.push(commandLine(wrapWithPeakMemory(command.argv, memoryFile)));
    }
    const load = loadavg()[0];
    const result = await runProcess("hyperfine", args);
    if (result.code !== 0) {
      const failed = order.find((c) => !existsSync(join(workDir, `${c.key}.rss`))) ?? order[order.length - 1];
      // GNU time notes a signal or exit status in its output file; hyperfine's own stderr may be empty.
      const notes = order
        .map((c) => join(workDir, `${c.key}.rss`))
        .filter((f) => existsSync(f))
        .map((f) => readFileSync(f, "utf8").trim().replaceAll("\n", " "))
        .join("; ");
      const how = result.signal ? `signal ${result.signal}` : `exit ${result.code}`;
      const error = new Error(
        `hyperfine failed in round ${round + 1} (${how}): ${result.stderr.trim().slice(-1500)} ${notes}`.trim(),
      );
      error.failedKey = failed.key;
      throw error;
    }
    const exported = JSON.parse(readFileSync(json, "utf8"));
    const measured = round >= warmup;
    if (measured) loads.push(load);
    order.forEach((command, i) => {
      const entry = exported.results[i];
      const sample = {
        wallMs: entry.times[0] * 1000,
        cpuMs: (entry.user + entry.system) * 1000,
        peakKiB: readPeakKiB(join(workDir, `${command.key}.rss`)),
      };
      if (measured) runs[command.key].push(sample);
    });
    log?.(
      `  round ${round + 1}/${warmup + rounds}${measured ? "" : " (warm-up)"}: ${order
        .map((c) => {
          const s = exported.results[order.indexOf(c)];
          return `${c.key} ${(s.times[0] * 1000).toFixed(0)} ms`;
        })
        .join(", ")} (load ${load.toFixed(2)})`,
    );
  }
  const summary = {};
  for (const command of commands) {
    const list = runs[command.key];
    summary[command.key] = {
      command: displayCommandLine(command.argv),
      wallMs: median(list.map((r) => r.wallMs)),
      cpuMs: median(list.map((r) => r.cpuMs)),
      peakMiB: Math.max(...list.map((r) => r.peakKiB)) / 1024,
      runs: list,
    };
  }
  return { summary, loads };
}
