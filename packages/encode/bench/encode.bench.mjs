// Whole-process benchmark of @granule/encode against Debian's opusenc (libopus 1.3.1, the same
// libopus version): six 10-minute 48 kHz mono 16-bit WAVs generated into a temp dir, encoded
// by `encode-files.mjs` (worker threads) and by opusenc one after the other, with hyperfine;
// then per-core speed (one file, one thread, vs one opusenc), and peak RSS for one 2-hour WAV
// (GNU time). `npm run bench` (after `npm run build`). BENCH_MINUTES / BENCH_FILES / BENCH_LONG_MINUTES override.
import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const minutes = Number(process.env.BENCH_MINUTES ?? 10);
const files = Number(process.env.BENCH_FILES ?? 6);
const longMinutes = Number(process.env.BENCH_LONG_MINUTES ?? 120);
const dir = mkdtempSync(join(tmpdir(), "granule-encode-bench-"));
const here = new URL(".", import.meta.url).pathname;

/** A WAV of bird-like chirps over a noise floor, written in blocks (never held whole). */
function writeWav(path, seconds, seed) {
  const rate = 48000;
  const frames = seconds * rate;
  const fd = openSync(path, "w");
  const header = Buffer.alloc(44);
  header.write("RIFF", 0);
  header.writeUInt32LE(36 + frames * 2, 4);
  header.write("WAVEfmt ", 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36);
  header.writeUInt32LE(frames * 2, 40);
  writeSync(fd, header);
  let s = seed >>> 0;
  let b = 0;
  let phase = 0;
  const block = Buffer.alloc(rate * 2);
  for (let second = 0; second < seconds; second++) {
    for (let i = 0; i < rate; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      b = 0.97 * b + (s / 2 ** 32 - 0.5) * 0.02;
      const t = (i % 24000) / 24000;
      const f = 2500 + 3000 * t + 800 * Math.sin(second + seed);
      phase += (2 * Math.PI * f) / rate;
      const call = t < 0.3 ? 0.25 * Math.sin(phase) * Math.sin((Math.PI * t) / 0.3) : 0;
      block.writeInt16LE(Math.round((b + call) * 32767), 2 * i);
    }
    writeSync(fd, block);
  }
  closeSync(fd);
}

const sh = (cmd, args) => execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
try {
  const inputs = [];
  for (let i = 0; i < files; i++) {
    const path = join(dir, `in-${i}.wav`);
    writeWav(path, minutes * 60, i + 1);
    inputs.push(path);
  }
  const ours = `node ${join(here, "encode-files.mjs")} --workers 2 --out ${join(dir, "g")} ${inputs.join(" ")}`;
  const opusenc = inputs
    .map((p, i) => `opusenc --quiet --bitrate 64 --comp 10 --framesize 20 ${p} ${join(dir, `o-${i}.opus`)}`)
    .join(" && ");
  const one = `node ${join(here, "encode-files.mjs")} --workers 0 --out ${join(dir, "g1")} ${inputs[0]}`;
  const oneNative = `opusenc --quiet --bitrate 64 --comp 10 --framesize 20 ${inputs[0]} ${join(dir, "o1.opus")}`;
  const json = join(dir, "hyperfine.json");
  sh("mkdir", ["-p", join(dir, "g"), join(dir, "g1")]);
  sh("hyperfine", [
    "--warmup",
    "1",
    "--runs",
    "3",
    "--export-json",
    json,
    "-n",
    "granule (2 workers)",
    ours,
    "-n",
    "opusenc (serial)",
    opusenc,
    "-n",
    "granule, one file, one thread",
    one,
    "-n",
    "opusenc, one file",
    oneNative,
  ]);
  const results = JSON.parse(readFileSync(json, "utf8")).results;
  const median = (name) => results.find((r) => r.command === name).median;
  const audioSeconds = files * minutes * 60;
  console.log(`\n${files} × ${minutes} min of 48 kHz mono 16-bit (${audioSeconds} s of audio), medians of 3 runs:`);
  console.log("| case | time | realtime factor |\n| --- | --- | --- |");
  for (const r of results) {
    const audio = r.command.includes("one file") ? minutes * 60 : audioSeconds;
    console.log(`| ${r.command} | ${r.median.toFixed(2)} s | ${(audio / r.median).toFixed(0)}× |`);
  }
  console.log(
    `ratio granule (2 workers) / opusenc (serial): ${(median("granule (2 workers)") / median("opusenc (serial)")).toFixed(2)}`,
  );
  console.log(
    `per core, granule / opusenc on one file: ${(median("granule, one file, one thread") / median("opusenc, one file")).toFixed(2)}`,
  );

  const long = join(dir, "long.wav");
  writeWav(long, longMinutes * 60, 99);
  const time = (args) =>
    Number(
      execFileSync("/usr/bin/time", ["-f", "%M", ...args], { encoding: "utf8", stdio: ["ignore", "ignore", "pipe"] })
        .trim()
        .split("\n")
        .pop(),
    );
  const ourKb = Number(
    execFileSync(
      "/usr/bin/time",
      ["-f", "%M", "node", join(here, "encode-files.mjs"), "--workers", "0", "--out", join(dir, "g1"), long],
      {
        encoding: "utf8",
        stdio: ["ignore", "ignore", "pipe"],
      },
    )
      .trim()
      .split("\n")
      .pop(),
  );
  void time;
  const nativeKb = Number(
    execFileSync("/usr/bin/time", ["-f", "%M", "opusenc", "--quiet", "--bitrate", "64", long, join(dir, "long.opus")], {
      encoding: "utf8",
      stdio: ["ignore", "ignore", "pipe"],
    })
      .trim()
      .split("\n")
      .pop(),
  );
  console.log(
    `peak RSS, one ${longMinutes}-minute WAV: granule ${(ourKb / 1024).toFixed(0)} MiB, opusenc ${(nativeKb / 1024).toFixed(0)} MiB`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
