// What the viewer's overview of a 10-minute recording costs over HTTP: bytes, requests and
// time in headless Chromium, against the file's size, for two page widths; and a 2 s
// selection. Run after `npm run build`: node packages/viewer/bench/overview.bench.mjs [rounds]
// Needs opusdec, sox and opusenc (to make the file) and /usr/bin/chromium.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serveViewer } from "@granule/viewer/node";
import { importRecording, openCollection } from "@granule/zarr-opus/node";
import { chromium } from "playwright-core";

const rounds = Number(process.argv[2] ?? 3);
const dir = mkdtempSync(join(tmpdir(), "granule-overview-"));
const example = fileURLToPath(new URL("../../../examples/dawn-chorus.opus", import.meta.url));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

try {
  // 10 minutes: the 20 s dawn-chorus example 30 times, re-encoded by opusenc at its defaults.
  const wav = join(dir, "dawn.wav");
  const long = join(dir, "long.wav");
  const opus = join(dir, "20240501_053000.opus");
  execFileSync("opusdec", ["--quiet", "--rate", "48000", example, wav]);
  execFileSync("sox", [...Array(30).fill(wav), long]);
  execFileSync("opusenc", ["--quiet", long, opus]);
  const fileBytes = statSync(opus).size;
  const archive = join(dir, "season.zarr");
  const collection = await openCollection(archive, { create: true });
  const { id } = await importRecording(collection, opus);

  const server = await serveViewer({ archive });
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  console.log(`10-minute file: ${fileBytes} bytes (${(fileBytes / 1024).toFixed(0)} KiB), ${rounds} rounds, medians`);
  try {
    for (const [columns, gap] of [
      [1000, 65_536],
      [300, 65_536],
      [100, 65_536],
      [1000, 0],
      [300, 0],
      [100, 0],
    ]) {
      const width = 1200;
      const results = [];
      for (let r = 0; r < rounds; r++) {
        // A fresh page each round: a cold start (WASM compiled, nothing cached).
        const page = await browser.newPage({ viewport: { width, height: 900 } });
        await page.goto(`${server.url}&overview=${columns}&gap=${gap}`);
        await page.waitForFunction(() => window.granuleViewer !== undefined);
        await page.evaluate(() => window.granuleViewer.ready);
        const overview = await page.evaluate((rid) => window.granuleViewer.open(rid), id);
        const selection = await page.evaluate(() => window.granuleViewer.select(300, 302));
        results.push({ overview, selection });
        await page.close();
      }
      const o = results.map((x) => x.overview);
      const s = results.map((x) => x.selection);
      console.log(
        `gap ${gap}: overview of ${o[0].probes} probes (${o[0].spans} byte spans): ` +
          `${median(o.map((x) => x.milliseconds)).toFixed(0)} ms, ${median(o.map((x) => x.bytesRead))} bytes ` +
          `(${((100 * median(o.map((x) => x.bytesRead))) / fileBytes).toFixed(1)} % of the file, opening included) ` +
          `in ${median(o.map((x) => x.requests))} requests; ` +
          `then 2 s at 5:00: ${median(s.map((x) => x.milliseconds)).toFixed(0)} ms, ${median(s.map((x) => x.bytesRead))} bytes ` +
          `in ${median(s.map((x) => x.requests))} requests`,
      );
    }
  } finally {
    await browser.close();
    await server.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
