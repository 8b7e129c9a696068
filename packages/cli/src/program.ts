import { Command, Option } from "commander";
import { runClip } from "./commands/clip.ts";
import { runExtract } from "./commands/extract.ts";
import { type ImportArguments, runImport } from "./commands/import.ts";
import { runIndex } from "./commands/index-file.ts";
import { infoDocument, infoText } from "./commands/info.ts";
import { runLs } from "./commands/ls.ts";
import { runVerify } from "./commands/verify.ts";
import { withProgress } from "./progress.ts";
import { openSource } from "./source.ts";
import { formatDuration, parseCount } from "./time.ts";
import { EXIT_BAD_DATA, EXIT_OK, UsageError } from "./usage-error.ts";

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

interface Global {
  quiet?: boolean;
  debug?: boolean;
}

const optionalCount = (text: string | undefined, name: string) =>
  text === undefined ? undefined : parseCount(text, name);
/** For repeatable options: `--meta a=1 --meta b=2`. */
const collect = (value: string, previous: string[]) => [...previous, value];
const sampleRateOption = (text: string | undefined) =>
  text === undefined ? {} : { sampleRate: parseCount(text, "--sample-rate") };

/** The `granule` command. Each action sets `state.exitCode`. */
export function buildProgram(io: Io, state: { exitCode: number }, version: string): Command {
  const program = new Command("granule")
    .description("Sample-exact segments, indexes, clips and archives of Ogg Opus recordings")
    .version(version)
    .option("-q, --quiet", "no progress bars or summaries on stderr")
    .option("--debug", "show stack traces of unexpected errors")
    .showHelpAfterError("(run granule --help for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: io.out,
      writeErr: io.err,
      outputError: (text, write) => write(`granule: ${text.replace(/^error: /, "")}`),
    });
  const quiet = () => !!program.opts<Global>().quiet;
  const json = (value: unknown) => io.out(`${JSON.stringify(value, null, 2)}\n`);
  const note = (text: string) => {
    if (!quiet()) io.err(`${text}\n`);
  };

  program
    .command("info")
    .description("header facts, links, pages, duration, sample rate, recordedAt, and any damage")
    .argument("<source>", "a .opus/.ogg file, archive.zarr/<id>, or an http(s):// URL of either")
    .option("--json", "one JSON document with stable keys")
    .option("--sample-rate <hz>", "true rate of a time-expanded plain file")
    .action(async (source: string, options: { json?: boolean; sampleRate?: string }) => {
      const opened = await withProgress("indexing", "bytes", quiet(), (bar) =>
        openSource(source, { onProgress: (d, t) => bar.update(d, t), ...sampleRateOption(options.sampleRate) }),
      );
      try {
        if (options.json) json(infoDocument(opened));
        else io.out(`${infoText(opened)}\n`);
      } finally {
        await opened.close();
      }
      state.exitCode = EXIT_OK; // damage is listed, not an error
    });

  program
    .command("index")
    .description("build the index of a plain file and save it as a sidecar (reused by every command)")
    .argument("<file>", "a .opus/.ogg file")
    .option("-o, --output <sidecar>", "where to save the index (default <file>.idx)")
    .option("--workers <n>", "scan workers")
    .option("--json", "print the result as JSON")
    .action(async (file: string, options: { output?: string; workers?: string; json?: boolean }) => {
      const workers = optionalCount(options.workers, "--workers");
      const result = await withProgress("indexing", "bytes", quiet(), (bar) =>
        runIndex(file, options.output, workers, (d, t) => bar.update(d, t)),
      );
      if (options.json) json(result);
      else {
        io.out(
          `${result.file}: ${result.totalSamples} samples, ${result.pages} pages, ${result.packets} packets, ${result.problems} problem(s); index saved to ${result.sidecar} in ${result.milliseconds} ms\n`,
        );
      }
    });

  program
    .command("import")
    .description("import recordings into an archive (created if needed)")
    .argument("<files...>", "Ogg Opus files")
    .requiredOption("--archive <dir>", "the archive (a Zarr v3 collection)")
    .option("--id <id>", "id of the new recording (one file only; default: the next free number)")
    .option("--recorded-at <iso>", "start time, ISO 8601 (default: from AudioMoth-style file names)")
    .option("--utc-offset <offset>", "UTC offset of times without one, e.g. +02:00 (default UTC)")
    .option("--original-rate <hz>", "true sample rate of time-expanded ultrasound (e.g. 384000)")
    .option("--device <id>", "recorder or device id")
    .option("--meta <key=value>", "free metadata (repeatable)", collect, [])
    .addOption(
      new Option("--on-duplicate <policy>", "when the same SHA-256 is already archived")
        .choices(["error", "skip", "allow"])
        .default("error"),
    )
    .option("--workers <n>", "index workers")
    .option("--json", "print the results as JSON")
    .action(async (files: string[], options: ImportArguments & { json?: boolean }) => {
      const started = performance.now();
      const results = await withProgress("importing", "bytes", quiet(), (bar) =>
        runImport(files, options, (file, d, t) => bar.update(d, t, file)),
      );
      if (options.json) json(results);
      else {
        for (const r of results) {
          if (r.error !== null) io.err(`granule: ${r.file}: ${r.error}\n`);
          else if (r.skipped) io.out(`${r.file}: already archived as ${r.id}, skipped\n`);
          else {
            const when = r.recordedAt ? `, recorded ${r.recordedAt}` : "";
            io.out(
              `${r.file} -> ${options.archive}/${r.id} (${formatDuration(r.totalSamples! / r.sampleRate!)}${when})\n`,
            );
          }
        }
        const imported = results.filter((r) => r.error === null && !r.skipped).length;
        note(`imported ${imported} of ${results.length} file(s) in ${Math.round(performance.now() - started)} ms`);
      }
      state.exitCode = results.some((r) => r.error !== null) ? EXIT_BAD_DATA : EXIT_OK;
    });

  program
    .command("ls")
    .description("one row per recording of an archive")
    .argument("<archive>", "the archive directory or URL")
    .option("--json", "print the rows as JSON")
    .action(async (archive: string, options: { json?: boolean }) => {
      const rows = await runLs(archive);
      if (options.json) {
        json(rows);
        return;
      }
      const columns = [
        "id",
        "source",
        "sha256",
        "duration",
        "samples",
        "rate",
        "channels",
        "recordedAt",
        "device",
        "complete",
      ];
      io.out(`${columns.join("\t")}\n`);
      for (const r of rows) {
        const cells: (string | number | boolean)[] = [
          r.id,
          r.sourceName ?? "-",
          r.sha256.slice(0, 12),
          formatDuration(r.durationSeconds),
          r.totalSamples,
        ];
        cells.push(r.sampleRate, r.channels, r.recordedAt ?? "-", r.deviceId ?? "-", r.complete);
        io.out(`${cells.join("\t")}\n`);
      }
    });

  program
    .command("extract")
    .description("write exactly the samples asked for: one range or every row of a CSV")
    .argument("<source>", "a .opus/.ogg file, archive.zarr/<id>, or an http(s):// URL")
    .option("--start <time>", "start: seconds, hh:mm:ss.sss, or with a unit (1500ms)")
    .option("--end <time>", "end (exclusive)")
    .option("--start-sample <n>", "start sample")
    .option("--end-sample <n>", "end sample (exclusive)")
    .option("--segments <csv>", "a CSV of segments: start,end or start_sample,end_sample, and optional name")
    .option("-o, --output <file>", "output file for one range; - for stdout")
    .option("--out-dir <dir>", "directory for one file per segment")
    .addOption(
      new Option("--format <format>", "wav, or raw little-endian interleaved f32 / s16")
        .choices(["wav", "f32", "s16"])
        .default("wav"),
    )
    .option("--float", "32-bit float WAV instead of 16-bit PCM")
    .option("--pre-roll <ms>", "decoder pre-roll in milliseconds (default 500)")
    .option("--workers <n>", "decode workers (default 2 for 16 or more segments)")
    .option("--fill-holes", "silence where the file lost samples, instead of an error")
    .option("--sample-rate <hz>", "true rate of a time-expanded plain file")
    .option("--json", "print what was written as JSON")
    .action(
      async (source: string, options: Parameters<typeof runExtract>[1] & { json?: boolean; sampleRate?: string }) => {
        if (options.output === "-" && options.json) {
          throw new UsageError("-o - writes the samples to stdout, so --json cannot go there too: choose one");
        }
        const started = performance.now();
        const opened = await openSource(source, sampleRateOption(options.sampleRate));
        try {
          const summary = await withProgress("extracting", "segments", quiet() || options.output === "-", (bar) =>
            runExtract(opened, options, (d, t) => {
              if (t > 1) bar.update(d, t);
            }),
          );
          if (options.json) json(summary);
          const where = options.output === "-" ? "stdout" : (options.outDir ?? options.output);
          const seconds = summary.seconds.toFixed(3);
          note(
            `wrote ${summary.segments.length} segment(s), ${seconds} s of audio, to ${where} in ${Math.round(performance.now() - started)} ms`,
          );
        } finally {
          await opened.close();
        }
      },
    );

  program
    .command("clip")
    .description("a stream-copy clip: a playable .opus of exactly the range, without re-encoding")
    .argument("<source>", "a .opus/.ogg file, archive.zarr/<id>, or an http(s):// URL")
    .option("--start <time>", "start: seconds, hh:mm:ss.sss, or with a unit")
    .option("--end <time>", "end (exclusive)")
    .option("--start-sample <n>", "start sample")
    .option("--end-sample <n>", "end sample (exclusive)")
    .option("-o, --output <file>", "the clip to write; - for stdout")
    .option("--pre-roll <ms>", "pre-roll kept as pre-skip, in milliseconds (default 500)")
    .option("--json", "print the result as JSON")
    .action(async (source: string, options: Parameters<typeof runClip>[1] & { json?: boolean }) => {
      if (options.output === "-" && options.json) {
        throw new UsageError("-o - writes the clip to stdout, so --json cannot go there too: choose one");
      }
      const opened = await openSource(source);
      try {
        const result = await runClip(opened, options);
        if (options.json) json(result);
        else if (options.output !== "-") {
          io.out(`${result.path}: ${result.byteLength} bytes, samples ${result.startSample}-${result.endSample}\n`);
        }
      } finally {
        await opened.close();
      }
    });

  program
    .command("verify")
    .description("check everything; exit 1 on any problem")
    .argument("<target>", "a .opus/.ogg file, archive.zarr/<id>, an archive, or a URL")
    .option("--workers <n>", "index workers")
    .option("--json", "print the results as JSON")
    .action(async (target: string, options: { workers?: string; json?: boolean }) => {
      const results = await runVerify(target, optionalCount(options.workers, "--workers"));
      if (options.json) json(results);
      else {
        for (const r of results) {
          io.out(`${r.target}: ${r.ok ? "ok" : `${r.problems.length} problem(s)`}\n`);
          for (const p of r.problems)
            io.out(`  ${p.byteOffset === null ? "" : `byte ${p.byteOffset}: `}${p.code}: ${p.message}\n`);
        }
      }
      if (results.length === 0) throw new UsageError(`${target}: nothing to verify`);
      state.exitCode = results.every((r) => r.ok) ? EXIT_OK : EXIT_BAD_DATA;
    });

  return program;
}
