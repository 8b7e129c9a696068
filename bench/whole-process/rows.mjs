// The rows of the whole-process table (issue 13, with the benchmark rows of issues 11 and 12).
// Each row names the inputs it needs, the commands timed side by side (granule first, then its
// anchor: a native tool, or granule itself in the baseline condition), its targets, and a check
// of the outputs: a row whose outputs are wrong fails, however fast it was.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compareSegments, formatSnr } from "./check-pcm.mjs";
import { summariseRequests } from "./delay-server.mjs";
import { commandLine } from "./measure.mjs";

const restoreScript = fileURLToPath(new URL("restore-archive.mjs", import.meta.url));

/** The 10,000-recording archive as built, should an interrupted run have left imports in it. */
async function restoreArchive(ctx, refresh) {
  const args = [
    restoreScript,
    ctx.inputs.archiveLarge,
    String(ctx.inputs.sizes.smallLarge),
    ...(refresh ? ["--refresh"] : []),
  ];
  const result = await ctx.exec([process.execPath, ...args]);
  if (result.code !== 0) throw new Error(`restore-archive.mjs failed: ${result.stderr.trim()}`);
}

const KiB = 1024;
const MiB = 1024 * 1024;

/** granule names a CSV's rows by number, zero-padded to the width of the row count. */
function segmentFiles(dir, count) {
  const width = String(count).length;
  return Array.from({ length: count }, (_, i) => join(dir, `${String(i + 1).padStart(width, "0")}.f32`));
}

/** bench/native/seek.c names them by number, unpadded. */
function nativeSegmentFiles(dir, count) {
  return Array.from({ length: count }, (_, i) => join(dir, `${i + 1}.f32`));
}

function sha256File(path) {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

async function listArchive(ctx, archive) {
  const result = await ctx.granule(["ls", archive, "--json"]);
  return JSON.parse(result.stdout);
}

/** Recordings of an archive, checked for count and, when given, each one's totalSamples. */
async function checkArchive(ctx, archive, { count, totalSamples, sha256 }) {
  const rows = await listArchive(ctx, archive);
  if (rows.length !== count) return { ok: false, message: `${archive}: ${rows.length} recordings, expected ${count}` };
  if (totalSamples !== undefined) {
    const wrong = rows.find((r) => r.totalSamples !== totalSamples);
    if (wrong) return { ok: false, message: `${wrong.id}: ${wrong.totalSamples} samples, expected ${totalSamples}` };
  }
  if (sha256 !== undefined && rows[0].sha256 !== sha256) {
    return { ok: false, message: `SHA-256 ${rows[0].sha256}, sha256sum says ${sha256}` };
  }
  return {
    ok: true,
    message: `${count} recording(s)${totalSamples === undefined ? "" : `, ${totalSamples} samples each`}${sha256 ? ", SHA-256 = sha256sum's" : ""}`,
  };
}

function extractSegmentsArgs(ctx, csv, outDir, extra = []) {
  return ["extract", ctx.inputs.hour, "--segments", csv, "--out-dir", outDir, "--format", "f32", "--quiet", ...extra];
}

async function countRequests(ctx, argv) {
  ctx.server.reset();
  const result = await ctx.exec(argv);
  if (result.code !== 0) throw new Error(`${argv.join(" ")} failed: ${result.stderr.trim()}`);
  // Responses still streaming when the client hung up are counted with the bytes sent so far.
  await new Promise((resolve) => setTimeout(resolve, 100));
  return summariseRequests(ctx.server.requests());
}

export const rows = [
  {
    id: "seek100",
    title: "100 random 2 s segments of a 1 h mono 160k file, `extract --segments` to f32 files",
    anchor: "libopusfile `op_pcm_seek` + `op_read_float` (bench/native/seek.c)",
    needs: ["hour", "segments"],
    native: true,
    target: { ratioMax: 0.8, peakMiBMax: 96 },
    commands: (ctx) => [
      {
        key: "granule",
        argv: ctx.cli(extractSegmentsArgs(ctx, ctx.inputs.seekSegments.csv, join(ctx.work, "g"))),
        prepare: `rm -rf ${ctx.work}/g`,
      },
      {
        key: "anchor",
        argv: [ctx.seek, "segments", ctx.inputs.hour, ctx.inputs.seekSegments.txt, join(ctx.work, "c")],
        prepare: `rm -rf ${ctx.work}/c && mkdir -p ${ctx.work}/c`,
      },
    ],
    async check(ctx) {
      const { segments } = ctx.inputs.seekSegments;
      const granule = compareSegments({
        files: segmentFiles(join(ctx.work, "g"), segments.length),
        segments,
        reference: ctx.inputs.hourReference,
      });
      const native = compareSegments({
        files: nativeSegmentFiles(join(ctx.work, "c"), segments.length),
        segments,
        reference: ctx.inputs.hourReference,
        minSnrDb: Number.NEGATIVE_INFINITY,
      });
      return {
        ok: granule.ok,
        message: `${granule.message}; libopusfile's own seeks (80 ms pre-roll): ${native.ok ? `worst ${formatSnr(native.worstSnrDb)}` : native.message}`,
      };
    },
  },
  {
    id: "index10h",
    title: "index a 10 h 160k file, `granule index`",
    anchor: "`opusinfo`",
    needs: ["long"],
    target: { ratioMax: 0.8, peakMiBMax: 96 },
    commands: (ctx) => [
      {
        key: "granule",
        argv: ctx.cli(["index", ctx.inputs.long, "-o", join(ctx.work, "long.idx")]),
        prepare: `rm -f ${ctx.work}/long.idx`,
      },
      { key: "anchor", argv: ["opusinfo", ctx.inputs.long] },
    ],
    async check(ctx) {
      const result = await ctx.granule(["index", ctx.inputs.long, "-o", join(ctx.work, "check.idx"), "--json"], {
        prepare: `rm -f ${ctx.work}/check.idx`,
      });
      const summary = JSON.parse(result.stdout);
      const expected = ctx.inputs.longFacts?.totalSamples;
      if (expected !== undefined && summary.totalSamples !== expected) {
        return { ok: false, message: `${summary.totalSamples} samples, libopusfile says ${expected}` };
      }
      if (summary.problems !== 0)
        return { ok: false, message: `${summary.problems} problem(s) reported in a clean file` };
      return {
        ok: true,
        message: `${summary.totalSamples} samples${expected === undefined ? "" : " = op_pcm_total"}, ${summary.pages} pages, 0 problems`,
      };
    },
  },
  {
    id: "import1h",
    title: "import a 1 h 160k file into a new archive",
    anchor: "`sha256sum` of the file",
    needs: ["hour"],
    target: { ratioMax: 1.2 },
    commands: (ctx) => [
      {
        key: "granule",
        argv: ctx.cli(["import", ctx.inputs.hour, "--archive", join(ctx.work, "a.zarr"), "--quiet"]),
        prepare: `rm -rf ${ctx.work}/a.zarr`,
      },
      { key: "anchor", argv: ["sha256sum", ctx.inputs.hour] },
    ],
    check: (ctx) =>
      checkArchive(ctx, join(ctx.work, "a.zarr"), {
        count: 1,
        totalSamples: ctx.inputs.hourFacts?.totalSamples,
        sha256: sha256File(ctx.inputs.hour),
      }),
  },
  {
    id: "version",
    title: "`granule --version`",
    anchor: "`node -e 0`",
    needs: [],
    target: { ratioMax: 1.5 },
    commands: (ctx) => [
      { key: "granule", argv: ctx.cli(["--version"]) },
      { key: "anchor", argv: [process.execPath, "-e", "0"] },
    ],
    async check(ctx) {
      const result = await ctx.granule(["--version"]);
      const expected = JSON.parse(readFileSync(join(ctx.root, "packages/cli/package.json"), "utf8")).version;
      const ok = result.stdout.trim().includes(expected);
      return {
        ok,
        message: ok
          ? `prints ${result.stdout.trim()}`
          : `prints ${JSON.stringify(result.stdout)}, expected ${expected}`,
      };
    },
  },
  {
    id: "overlap3000",
    title: "3,000 overlapping 3 s segments over 1 h, `extract --segments` to f32 files",
    anchor: "libopusfile decoding the hour straight through to an f32 file",
    needs: ["hour", "segments"],
    native: true,
    heavy: true,
    target: { ratioMax: 0.6 },
    commands: (ctx) => [
      {
        key: "granule",
        argv: ctx.cli(extractSegmentsArgs(ctx, ctx.inputs.overlapSegments.csv, join(ctx.work, "g"))),
        prepare: `rm -rf ${ctx.work}/g`,
      },
      {
        key: "anchor",
        argv: [ctx.seek, "decode", ctx.inputs.hour, join(ctx.work, "c.f32")],
        prepare: `rm -f ${ctx.work}/c.f32`,
      },
    ],
    async check(ctx) {
      const { segments } = ctx.inputs.overlapSegments;
      return compareSegments({
        files: segmentFiles(join(ctx.work, "g"), segments.length),
        segments,
        reference: ctx.inputs.hourReference,
      });
    },
    cleanup: (ctx) => `rm -rf ${ctx.work}/g ${ctx.work}/c.f32`,
  },
  {
    id: "whole1h",
    title: "the whole hour as one segment, `extract` to one f32 file",
    anchor: "libopusfile decoding the hour straight through to an f32 file",
    needs: ["hour"],
    native: true,
    heavy: true,
    target: { ratioMax: 0.5 },
    commands: (ctx) => [
      {
        key: "granule",
        argv: ctx.cli([
          "extract",
          ctx.inputs.hour,
          "--start-sample",
          "0",
          "--end-sample",
          String(ctx.inputs.hourFacts.totalSamples),
          "-o",
          join(ctx.work, "g.f32"),
          "--quiet",
        ]),
        prepare: `rm -f ${ctx.work}/g.f32`,
      },
      {
        key: "anchor",
        argv: [ctx.seek, "decode", ctx.inputs.hour, join(ctx.work, "c.f32")],
        prepare: `rm -f ${ctx.work}/c.f32`,
      },
    ],
    check: (ctx) =>
      compareSegments({
        files: [join(ctx.work, "g.f32")],
        segments: [[0, ctx.inputs.hourFacts.totalSamples]],
        reference: ctx.inputs.hourReference,
      }),
    cleanup: (ctx) => `rm -f ${ctx.work}/g.f32 ${ctx.work}/c.f32`,
  },
  {
    id: "import-into-300",
    title: "100 one-second files imported into an archive that holds 300",
    anchor: "the same 100 files into a new archive",
    needs: ["small"],
    target: { ratioMax: 1.1 },
    commands: (ctx) => [
      {
        key: "granule",
        argv: ctx.cli(["import", ...ctx.inputs.smallNew, "--archive", join(ctx.work, "a.zarr"), "--quiet"]),
        prepare: `rm -rf ${ctx.work}/a.zarr && cp -a ${ctx.inputs.archiveSome} ${ctx.work}/a.zarr`,
      },
      {
        key: "anchor",
        argv: ctx.cli(["import", ...ctx.inputs.smallNew, "--archive", join(ctx.work, "e.zarr"), "--quiet"]),
        prepare: `rm -rf ${ctx.work}/e.zarr`,
      },
    ],
    check: (ctx) =>
      checkArchive(ctx, join(ctx.work, "a.zarr"), {
        count: ctx.inputs.sizes.smallExisting + ctx.inputs.sizes.smallNew,
        totalSamples: 48000,
      }),
  },
  {
    id: "import-into-10k",
    title: "100 one-second files imported into an archive that holds 10,000",
    anchor: "the same 100 files into a new archive",
    needs: ["small", "smallLarge"],
    target: { ratioMax: 1.1 },
    // The cached archive itself, put back before every round by removing what the previous
    // round added (a fresh copy of ~560,000 files per round took minutes on this disk).
    setup: (ctx) => restoreArchive(ctx, false),
    commands: (ctx) => [
      {
        key: "granule",
        argv: ctx.cli(["import", ...ctx.inputs.smallNew, "--archive", ctx.inputs.archiveLarge, "--quiet"]),
        prepare: commandLine([
          process.execPath,
          restoreScript,
          ctx.inputs.archiveLarge,
          String(ctx.inputs.sizes.smallLarge),
        ]),
      },
      {
        key: "anchor",
        argv: ctx.cli(["import", ...ctx.inputs.smallNew, "--archive", join(ctx.work, "e.zarr"), "--quiet"]),
        prepare: `rm -rf ${ctx.work}/e.zarr`,
      },
    ],
    check: (ctx) =>
      checkArchive(ctx, ctx.inputs.archiveLarge, {
        count: ctx.inputs.sizes.smallLarge + ctx.inputs.sizes.smallNew,
        totalSamples: 48000,
      }),
    cleanup: (ctx) =>
      commandLine([
        process.execPath,
        restoreScript,
        ctx.inputs.archiveLarge,
        String(ctx.inputs.sizes.smallLarge),
        "--refresh",
      ]),
  },
  {
    id: "ls10k",
    title: "`granule ls` of 10,000 recordings, locally (time) and over HTTP (requests)",
    anchor: "",
    needs: ["small", "smallLarge"],
    remote: true,
    target: { wallMsMax: 1000, requestsMax: 1 },
    setup: (ctx) => restoreArchive(ctx, true),
    commands: (ctx) => [{ key: "granule", argv: ctx.cli(["ls", ctx.inputs.archiveLarge]) }],
    async remoteFigures(ctx) {
      return countRequests(ctx, ctx.cli(["ls", `${ctx.server.url}/${basename(ctx.inputs.archiveLarge)}`, "--json"]));
    },
    async check(ctx) {
      const rows = await listArchive(ctx, ctx.inputs.archiveLarge);
      const remote = JSON.parse(
        (await ctx.granule(["ls", `${ctx.server.url}/${basename(ctx.inputs.archiveLarge)}`, "--json"])).stdout,
      );
      const expected = ctx.inputs.sizes.smallLarge;
      const ok = rows.length === expected && remote.length === expected;
      return {
        ok,
        message: `${rows.length} recordings listed locally, ${remote.length} over HTTP (expected ${expected})`,
      };
    },
  },
  {
    id: "encode6",
    title: "six 10-min 48 kHz mono 16-bit WAVs, `granule import` into a new archive (encoding)",
    anchor: "`opusenc` over the same files, one after the other",
    needs: ["wavs"],
    heavy: true,
    target: { ratioMax: 1.5 },
    commands: (ctx) => {
      const out = join(ctx.work, "o");
      const loop = ctx.inputs.wavs
        .map((f) => `opusenc --quiet '${f}' '${out}/${basename(f, ".wav")}.opus'`)
        .join(" && ");
      return [
        {
          key: "granule",
          argv: ctx.cli(["import", ...ctx.inputs.wavs, "--archive", join(ctx.work, "a.zarr"), "--quiet"]),
          prepare: `rm -rf ${ctx.work}/a.zarr`,
        },
        { key: "anchor", argv: ["sh", "-c", loop], prepare: `rm -rf ${out} && mkdir -p ${out}` },
      ];
    },
    check: (ctx) =>
      checkArchive(ctx, join(ctx.work, "a.zarr"), {
        count: ctx.inputs.wavs.length,
        totalSamples: ctx.inputs.sizes.wavSeconds * 48000,
      }),
    extraFigures(ctx, summary) {
      const audioSeconds = ctx.inputs.wavs.length * ctx.inputs.sizes.wavSeconds;
      const speed = (cpuMs) => audioSeconds / (cpuMs / 1000);
      return {
        note: `per-core encode speed: granule ${speed(summary.granule.cpuMs).toFixed(0)}x real time, opusenc ${speed(summary.anchor.cpuMs).toFixed(0)}x (audio seconds per CPU second)`,
      };
    },
  },
  {
    id: "wav2h-memory",
    title: "import one 2 h 48 kHz mono WAV (peak memory)",
    anchor: "`opusenc` of the same file",
    needs: ["longWav"],
    heavy: true,
    single: true,
    target: { peakMiBMax: 256 },
    commands: (ctx) => [
      {
        key: "granule",
        argv: ctx.cli(["import", ctx.inputs.longWav, "--archive", join(ctx.work, "a.zarr"), "--quiet"]),
        prepare: `rm -rf ${ctx.work}/a.zarr`,
      },
      {
        key: "anchor",
        argv: ["opusenc", "--quiet", ctx.inputs.longWav, join(ctx.work, "o.opus")],
        prepare: `rm -f ${ctx.work}/o.opus`,
      },
    ],
    check: (ctx) =>
      checkArchive(ctx, join(ctx.work, "a.zarr"), { count: 1, totalSamples: ctx.inputs.sizes.longWavSeconds * 48000 }),
    cleanup: (ctx) => `rm -rf ${ctx.work}/a.zarr ${ctx.work}/o.opus`,
  },
  {
    id: "resample32k",
    title: "the 100 segments with `--sample-rate 32000` (resampling overhead)",
    anchor: "the same extraction at 48 kHz",
    needs: ["hour", "segments"],
    native: true,
    target: { ratioMax: 1.25 },
    async unavailable(ctx) {
      const [start, end] = ctx.inputs.seekSegments.segments[0];
      const probe = await ctx.granule(
        [
          "extract",
          ctx.inputs.hour,
          "--start-sample",
          String(start),
          "--end-sample",
          String(end),
          "--sample-rate",
          "32000",
          "-o",
          join(ctx.work, "probe.f32"),
          "--overwrite",
          "--quiet",
        ],
        { allowFailure: true },
      );
      return probe.code === 0
        ? null
        : `granule extract --sample-rate 32000 is refused: ${probe.stderr.trim().split("\n")[0]}`;
    },
    commands: (ctx) => [
      {
        key: "granule",
        argv: ctx.cli(
          extractSegmentsArgs(ctx, ctx.inputs.seekSegments.csv, join(ctx.work, "r"), ["--sample-rate", "32000"]),
        ),
        prepare: `rm -rf ${ctx.work}/r`,
      },
      {
        key: "anchor",
        argv: ctx.cli(extractSegmentsArgs(ctx, ctx.inputs.seekSegments.csv, join(ctx.work, "g"))),
        prepare: `rm -rf ${ctx.work}/g`,
      },
    ],
    async check(ctx) {
      const { segments } = ctx.inputs.seekSegments;
      const plain = compareSegments({
        files: segmentFiles(join(ctx.work, "g"), segments.length),
        segments,
        reference: ctx.inputs.hourReference,
      });
      if (!plain.ok) return plain;
      // Resampled output is checked for its exact length (round(n * 32000 / 48000)), not its samples.
      const { statSync } = await import("node:fs");
      for (const [i, file] of segmentFiles(join(ctx.work, "r"), segments.length).entries()) {
        const expected = Math.round(((segments[i][1] - segments[i][0]) * 32000) / 48000);
        const got = statSync(file).size / 4;
        if (got !== expected) return { ok: false, message: `${file}: ${got} samples at 32 kHz, expected ${expected}` };
      }
      return { ok: true, message: `48 kHz: ${plain.message}; 32 kHz: exact lengths (samples not compared)` };
    },
  },
  {
    id: "remote-archive",
    title: "cold 2 s extraction over HTTP (50 ms per request) from a 1 h archive",
    anchor: "the same extraction from the archive on disk",
    needs: ["hour", "segments", "remoteArchive"],
    native: true,
    remote: true,
    target: { roundTripsMax: 4, bytesMax: 128 * KiB },
    commands: (ctx) => {
      const [[start, end]] = ctx.inputs.remoteSegment.segments;
      const range = ["--start-sample", String(start), "--end-sample", String(end)];
      return [
        {
          key: "granule",
          argv: ctx.cli([
            "extract",
            `${ctx.server.url}/${basename(ctx.inputs.remoteArchive)}/hour`,
            ...range,
            "-o",
            join(ctx.work, "g.f32"),
            "--quiet",
          ]),
          prepare: `rm -f ${ctx.work}/g.f32`,
        },
        {
          key: "anchor",
          argv: ctx.cli([
            "extract",
            join(ctx.inputs.remoteArchive, "hour"),
            ...range,
            "-o",
            join(ctx.work, "l.f32"),
            "--quiet",
          ]),
          prepare: `rm -f ${ctx.work}/l.f32`,
        },
      ];
    },
    async remoteFigures(ctx) {
      const [granule] = this.commands(ctx);
      await ctx.exec(["sh", "-c", granule.prepare]);
      return countRequests(ctx, granule.argv);
    },
    check: (ctx) =>
      compareSegments({
        files: [join(ctx.work, "g.f32")],
        segments: ctx.inputs.remoteSegment.segments,
        reference: ctx.inputs.hourReference,
      }),
  },
  {
    id: "remote-plain",
    title: "2 s from a plain 1 h `.opus` URL (50 ms per request)",
    anchor: "libopusfile `op_open_url` + `op_pcm_seek` (bisection over Range requests)",
    needs: ["hour", "segments"],
    native: true,
    remote: true,
    target: { bytesMax: 1 * MiB, requestsMax: 16 },
    commands: (ctx) => {
      const [[start, end]] = ctx.inputs.remoteSegment.segments;
      const url = `${ctx.server.url}/${basename(ctx.inputs.hour)}`;
      return [
        {
          key: "granule",
          argv: ctx.cli([
            "extract",
            url,
            "--start-sample",
            String(start),
            "--end-sample",
            String(end),
            "-o",
            join(ctx.work, "g.f32"),
            "--quiet",
          ]),
          prepare: `rm -f ${ctx.work}/g.f32`,
        },
        {
          key: "anchor",
          argv: [ctx.seek, "segments", url, ctx.inputs.remoteSegment.txt, join(ctx.work, "c")],
          prepare: `rm -rf ${ctx.work}/c && mkdir -p ${ctx.work}/c`,
        },
      ];
    },
    async remoteFigures(ctx) {
      const [granule, anchor] = this.commands(ctx);
      await ctx.exec(["sh", "-c", granule.prepare]);
      const figures = await countRequests(ctx, granule.argv);
      await ctx.exec(["sh", "-c", anchor.prepare]);
      figures.anchor = await countRequests(ctx, anchor.argv);
      return figures;
    },
    async check(ctx) {
      const { segments } = ctx.inputs.remoteSegment;
      const granule = compareSegments({
        files: [join(ctx.work, "g.f32")],
        segments,
        reference: ctx.inputs.hourReference,
      });
      const native = compareSegments({
        files: [join(ctx.work, "c", "1.f32")],
        segments,
        reference: ctx.inputs.hourReference,
        minSnrDb: Number.NEGATIVE_INFINITY,
      });
      return {
        ok: granule.ok,
        message: `${granule.message}; libopusfile over HTTP (80 ms pre-roll): ${native.ok ? formatSnr(native.worstSnrDb) : native.message}`,
      };
    },
  },
];
