// Printing the whole-process results: one line per row while running, a Markdown table at the end.

function ms(value) {
  if (value === undefined || Number.isNaN(value)) return "";
  return value >= 10000
    ? `${(value / 1000).toFixed(1)} s`
    : value >= 1000
      ? `${(value / 1000).toFixed(2)} s`
      : `${value.toFixed(0)} ms`;
}

function mib(value) {
  return value === undefined ? "" : `${value.toFixed(0)} MiB`;
}

function kib(bytes) {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(0)} KiB`;
}

function side(figures) {
  if (!figures) return "";
  return `${ms(figures.wallMs)} (CPU ${ms(figures.cpuMs)}), ${mib(figures.peakMiB)}`;
}

export function targetText(target) {
  const parts = [];
  if (target.ratioMax !== undefined) parts.push(`<= ${target.ratioMax}x`);
  if (target.peakMiBMax !== undefined) parts.push(`<= ${target.peakMiBMax} MiB`);
  if (target.wallMsMax !== undefined) parts.push(`< ${ms(target.wallMsMax)}`);
  if (target.requestsMax !== undefined) parts.push(`<= ${target.requestsMax} request(s)`);
  if (target.bytesMax !== undefined) parts.push(`<= ${kib(target.bytesMax)}`);
  if (target.roundTripsMax !== undefined) parts.push(`<= ${target.roundTripsMax} sequential round trips`);
  return parts.join(", ");
}

function remoteText(remote) {
  if (!remote) return "";
  const one = (r) =>
    `${r.requests} req, ${kib(r.bytes)}${r.hungUp ? ` sent (${r.hungUp} hung up early: an upper bound of what was read)` : ""}, ${r.sequentialRoundTrips} sequential`;
  return remote.anchor ? `${one(remote)} (anchor: ${one(remote.anchor)})` : one(remote);
}

function statusText(result) {
  if (result.status === "met" || result.status === "not met") {
    const failed = result.checks.filter((c) => !c.met).map((c) => c.what);
    return result.status === "met" ? "**met**" : `not met (${failed.join("; ")})`;
  }
  return `${result.status}: ${result.message ?? result.check?.message ?? ""}`;
}

export function renderRowLine(result) {
  if (!result.summary) return `  ${result.status}: ${result.message ?? ""}`;
  const ratio =
    result.ratio === null || result.ratio === undefined
      ? ""
      : `, ratio ${result.ratio.toFixed(2)}x (CPU ${result.cpuRatio.toFixed(2)}x)`;
  return [
    `  granule ${side(result.summary.granule)}${result.summary.anchor ? `; anchor ${side(result.summary.anchor)}` : ""}${ratio}`,
    result.remote ? `  remote: ${remoteText(result.remote)}` : "",
    result.extra?.note ? `  ${result.extra.note}` : "",
    `  check: ${result.check?.ok ? "ok" : "FAILED"}: ${result.check?.message ?? ""}`,
    `  target ${targetText(result.target)}: ${statusText(result)}`,
  ]
    .filter(Boolean)
    .join("\n");
}

function load(values) {
  return values ? values.map((v) => v.toFixed(2)).join(" ") : "";
}

function nodeEnvironmentLines(environment) {
  if (!environment || environment.nodeExtraCaCerts === "not set") return [];
  const cost = `\`node -e 0\` took ${environment.nodeStartMs.with} ms with it and ${environment.nodeStartMs.without} ms without`;
  return environment.nodeExtraCaCerts === "kept"
    ? [`NODE_EXTRA_CA_CERTS (${environment.file}) was kept for the rows (--keep-node-env): ${cost}.`]
    : [
        `NODE_EXTRA_CA_CERTS (${environment.file}), set on this machine, was removed for the rows: Node 20 parses that file at every start (${cost}); \`--keep-node-env\` measures with it.`,
      ];
}

export function renderMarkdown(report) {
  const lines = [
    `Whole-process benchmarks, ${report.startedAt} to ${report.finishedAt}${report.quick ? " (quick mode: short inputs, few runs)" : ""}`,
    `\`${report.command}\`; Node ${report.node}, ${report.cpus} x ${report.cpuModel}, ${report.hyperfine}, ${report.delayMs} ms per HTTP request.`,
    "Medians of the measured rounds (commands alternating in each round); peak RSS is the largest of the rounds.",
    ...nodeEnvironmentLines(report.nodeEnvironment),
    "",
    "| row | granule: wall (CPU), peak | anchor | anchor: wall (CPU), peak | ratio: wall (CPU) | requests | target | result | load (1 min) |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of report.results) {
    const ratio =
      r.ratio === null || r.ratio === undefined ? "" : `${r.ratio.toFixed(2)}x (CPU ${r.cpuRatio.toFixed(2)}x)`;
    const loads = r.loads?.length
      ? `${Math.min(...r.loads).toFixed(1)}-${Math.max(...r.loads).toFixed(1)}`
      : load(r.loadBefore?.slice(0, 1));
    lines.push(
      `| ${r.id}: ${r.title} | ${side(r.summary?.granule)} | ${r.anchor} | ${side(r.summary?.anchor)} | ${ratio} | ${remoteText(r.remote)} | ${targetText(r.target)} | ${statusText(r)} | ${loads} |`,
    );
  }
  lines.push("", "Commands and checks:", "");
  for (const r of report.results) {
    if (!r.summary) continue;
    lines.push(`- ${r.id} (${r.rounds} rounds${r.warmup ? ` after ${r.warmup} warm-up` : ""}):`);
    for (const [key, figures] of Object.entries(r.summary)) lines.push(`  - ${key}: \`${figures.command}\``);
    lines.push(`  - check: ${r.check?.ok ? "ok" : "FAILED"}: ${r.check?.message ?? ""}`);
    if (r.extra?.note) lines.push(`  - ${r.extra.note}`);
  }
  return `${lines.join("\n")}\n`;
}
