// Fallback when GNU time is missing: `node peak-rss.mjs <out-file> <command...>` runs the command
// and writes its peak RSS in KiB, read from /proc/<pid>/status (VmHWM, the high-water mark)
// every 5 ms while it runs. Node reports no children's rusage, hence the polling; growth in the
// last 5 ms before exit can be missed, so GNU time is preferred.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

const [outFile, command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: "inherit" });
let peakKiB = 0;
const poll = setInterval(() => {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
    if (match) peakKiB = Math.max(peakKiB, Number(match[1]));
  } catch {
    // The child has just exited.
  }
}, 5);
child.on("close", (code, signal) => {
  clearInterval(poll);
  writeFileSync(outFile, `${peakKiB}\n`);
  process.exitCode = code ?? (signal ? 128 : 1);
});
