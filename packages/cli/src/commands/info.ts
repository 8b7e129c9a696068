import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { descriptiveInfo } from "@granule/zarr-opus/node";
import type { CommandContext } from "../program/context.ts";
import { withProgress } from "../progress.ts";
import { describePlan, sniffFile } from "../recorder-files.ts";
import { type OpenedSource, openSource, originalRate, warnOn } from "../source.ts";
import { formatDuration } from "../time.ts";
import { EXIT_OK, UsageError } from "../usage-error.ts";
import { formatLocation, formatMetadata } from "./ls.ts";

/** `granule info`: prints what the source is; damage is listed, not an error (exit 0). */
export async function runInfo(
  source: string,
  options: { json?: boolean; originalRate?: string; sampleRate?: string },
  context: CommandContext,
): Promise<void> {
  if (!/^https?:\/\//i.test(source) && (await isRecorderFile(source))) {
    await infoOnRecorderFile(source, options, context);
    return;
  }
  const opened = await withProgress("indexing", "bytes", context.quiet(), (bar) =>
    openSource(source, {
      onProgress: (d, t) => bar.update(d, t),
      onWarning: warnOn(context.io),
      ...sampleRateOf(options),
    }),
  );
  try {
    if (options.json) context.json(infoDocument(opened));
    else context.io.out(`${infoText(opened)}\n`);
  } finally {
    await opened.close();
  }
  context.state.exitCode = EXIT_OK;
}

async function isRecorderFile(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  return info?.isFile() === true && (await sniffFile(path)) === "recorder";
}

/**
 * `granule info` on a recorder's WAV or FLAC: what it is, what its metadata says, and what
 * `granule import` would do with it (the rate plan), read from its headers without decoding.
 */
async function infoOnRecorderFile(path: string, options: { json?: boolean }, context: CommandContext): Promise<void> {
  const { probe } = await import("@granule/encode");
  const { fileSource } = await import("@granule/opus-index/node");
  const { parseRecorderFileName } = await import("@granule/zarr-opus/node");
  const source = await fileSource(path);
  try {
    const probed = await probe(source, { sourceName: basename(path), parseFileName: parseRecorderFileName });
    const frames = probed.declaredFrames;
    const doc = {
      source: path,
      kind: "recorder" as const,
      format: probed.format,
      byteLength: probed.byteLength,
      sampleRate: probed.sampleRate,
      channels: probed.channels,
      bitsPerSample: probed.bitsPerSample,
      sampleFormat: probed.sampleFormat,
      frames,
      durationSeconds:
        frames === null
          ? null
          : frames / ((probed.ratePlan as { originalSampleRate?: number }).originalSampleRate ?? probed.sampleRate),
      ratePlan: probed.ratePlan,
      importWould: describePlan({ ratePlan: probed.ratePlan, source: probed }),
      recordedAt: probed.metadata.recordedAt,
      utcOffset: probed.metadata.utcOffset,
      deviceId: probed.metadata.deviceId,
      location: probed.metadata.location,
      make: probed.metadata.make,
      model: probed.metadata.model,
      metadata: probed.metadata,
      warnings: probed.warnings,
    };
    if (options.json) context.json(doc);
    else {
      const lines = [
        `${path} (${doc.format.toUpperCase()} recording, ${doc.byteLength} bytes)`,
        `  audio        ${doc.sampleRate} Hz, ${doc.channels} channel(s), ${doc.bitsPerSample}-bit ${doc.sampleFormat}${frames === null ? "" : `, ${frames} frames = ${formatDuration(doc.durationSeconds!)}`}`,
        `  on import: ${doc.importWould.replace(/^[^:]*: /, "")}`,
      ];
      if (doc.recordedAt !== null)
        lines.push(`  recorded at  ${doc.recordedAt}${doc.deviceId ? ` by ${doc.deviceId}` : ""}`);
      else if (doc.deviceId !== null) lines.push(`  device       ${doc.deviceId}`);
      if (doc.location !== null) lines.push(`  location     ${doc.location.latitude},${doc.location.longitude}`);
      if (doc.make !== null || doc.model !== null)
        lines.push(`  recorder     ${[doc.make, doc.model].filter(Boolean).join(" ")}`);
      for (const c of probed.metadata.conflicts) lines.push(`  conflict     ${JSON.stringify(c)}`);
      for (const w of doc.warnings) lines.push(`  warning      ${w}`);
      context.io.out(`${lines.join("\n")}\n`);
    }
  } finally {
    await source.close();
  }
  context.state.exitCode = EXIT_OK;
}

/**
 * The true rate of a plain file, from `--original-rate`. `--sample-rate` is the name it had
 * (kept here as an alias); it relabelled any rate, and now takes only what can be a time
 * expansion, like `--original-rate`.
 */
function sampleRateOf(options: { originalRate?: string; sampleRate?: string }): { sampleRate?: number } {
  if (options.sampleRate !== undefined && options.originalRate !== undefined) {
    throw new UsageError("--sample-rate is the old name of --original-rate: give one");
  }
  const rate = originalRate(options.originalRate ?? options.sampleRate);
  return rate === undefined ? {} : { sampleRate: rate };
}

/** The stable JSON document of `granule info --json` (documented in docs/cli.md). */
export function infoDocument(opened: OpenedSource) {
  const { index, sampleRate } = opened.recording;
  const head = index.head;
  return {
    source: opened.name,
    kind: opened.kind,
    byteLength: index.byteLength,
    totalSamples: index.totalSamples,
    sampleRate,
    durationSeconds: index.totalSamples / sampleRate,
    channels: head.channels,
    preSkip: head.preSkip,
    inputSampleRate: head.inputSampleRate,
    outputGainQ8: head.outputGainQ8,
    mappingFamily: head.mappingFamily,
    pages: index.pageCount,
    packets: index.packetCount,
    vendor: index.tags.vendor,
    comments: index.tags.comments,
    links: index.links.map((link) => ({
      serial: link.serial,
      channels: link.head.channels,
      preSkip: link.preSkip,
      startSample: link.firstSample,
      totalSamples: link.sampleCount,
      startGranule: link.startGranule,
    })),
    id: opened.info?.id ?? null,
    sha256: opened.info?.sha256 ?? null,
    timeExpansion: opened.info?.timeExpansion ?? sampleRate / 48_000,
    encodedFrom: opened.info?.encodedFrom ?? null,
    ...descriptiveInfo(opened.info),
    problems: index.problems.map((p) => ({
      code: p.code,
      byteOffset: p.byteOffset,
      byteLength: p.byteLength,
      startSample: p.startSample,
      endSample: p.endSample,
      message: p.message,
    })),
  };
}

export function infoText(opened: OpenedSource): string {
  const doc = infoDocument(opened);
  const lines = [
    `${doc.source} (${doc.kind}, ${doc.byteLength} bytes)`,
    `  duration     ${formatDuration(doc.durationSeconds)} = ${doc.totalSamples} samples at ${doc.sampleRate} Hz`,
    `  channels     ${doc.channels} (mapping family ${doc.mappingFamily}), pre-skip ${doc.preSkip}, encoder input ${doc.inputSampleRate} Hz`,
    `  pages        ${doc.pages} audio pages, ${doc.packets} packets; vendor "${doc.vendor}"`,
  ];
  if (doc.recordedAt !== null)
    lines.push(`  recorded at  ${doc.recordedAt}${doc.deviceId ? ` by ${doc.deviceId}` : ""}`);
  else if (doc.deviceId !== null) lines.push(`  device       ${doc.deviceId}`);
  if (doc.location !== null) lines.push(`  location     ${formatLocation(doc.location)}`);
  if (Object.keys(doc.metadata).length > 0) lines.push(`  metadata     ${formatMetadata(doc.metadata)}`);
  if (doc.sha256 !== null) lines.push(`  sha256       ${doc.sha256}`);
  if (doc.links.length > 1) {
    doc.links.forEach((link, i) => {
      const end = link.startSample + link.totalSamples;
      lines.push(`  link ${i}       serial ${link.serial}, ${link.channels} ch, samples ${link.startSample}-${end}`);
    });
  }
  for (const comment of doc.comments.slice(0, 8))
    lines.push(`  tag          ${comment.length > 100 ? `${comment.slice(0, 97)}...` : comment}`);
  lines.push(doc.problems.length === 0 ? "  problems     none" : `  problems     ${doc.problems.length}:`);
  for (const p of doc.problems) {
    const samples = p.endSample > p.startSample ? `, samples ${p.startSample}-${p.endSample} lost` : "";
    lines.push(`    byte ${p.byteOffset}: ${p.code}: ${p.message}${samples}`);
  }
  return lines.join("\n");
}
