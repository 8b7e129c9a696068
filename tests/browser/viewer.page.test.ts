// The viewer page in headless Chromium against an archive served by serveViewer on 127.0.0.1:
// open, overview, a programmatic and a dragged selection (exact sample counts), playback speed
// for ultrasound, WAV and clip downloads, the segments row; screenshots in .test-results/.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bufferSource, buildIndex } from "@granule/opus-index";
import { serveViewer, type ViewerServer } from "@granule/viewer/node";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARCHIVE_RECORDINGS, buildTestArchive } from "./archive.ts";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "./chromium.ts";

const RESULTS = fileURLToPath(new URL("../../.test-results/", import.meta.url));

let archive: Awaited<ReturnType<typeof buildTestArchive>>;
let server: ViewerServer;
let browser: Browser;
let page: Page;
const problems: string[] = [];

/** Pixels of a canvas: how many differ from the first, and how many distinct colours. */
async function canvasStats(selector: string) {
  return page.evaluate((sel) => {
    const canvas = document.querySelector(sel) as HTMLCanvasElement;
    const { data } = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height);
    const colours = new Set<number>();
    let differing = 0;
    for (let i = 0; i < data.length; i += 4) {
      const c = (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!;
      colours.add(c);
      if (data[i] !== data[0] || data[i + 1] !== data[1] || data[i + 2] !== data[2]) differing++;
    }
    return { width: canvas.width, height: canvas.height, differing, colours: colours.size };
  }, selector);
}

beforeAll(async () => {
  archive = await buildTestArchive();
  server = await serveViewer({ archive: archive.directory, port: 0, host: "127.0.0.1" });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  page = await browser.newPage({ viewport: { width: 1200, height: 1100 }, acceptDownloads: true });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  mkdirSync(RESULTS, { recursive: true });
  await page.goto(server.url);
  await page.waitForFunction(() => window.granuleViewer !== undefined);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  archive?.remove();
});

describe("the viewer page", () => {
  it("is served on 127.0.0.1 with the archive beside it, and lists its recordings from the manifest", async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?archive=archive%2F$/);
    const ids = await page.evaluate(async () => (await window.granuleViewer!.ready).map((r) => r.id));
    expect(ids).toEqual(["000001", "000002", "000003"]);
    const rows = await page.locator("table.recordings tbody tr").allInnerTexts();
    expect(rows[0]).toContain("2024-05-01T05:30:00.000Z");
    expect(rows[0]).toContain("24F319");
    expect(rows[1]).toContain("384 kHz (time-expanded ×8)");
    expect(rows[1]).toContain("BATLOG-7");
  });

  it("opens a recording: metadata, and an overview drawn from a part of its bytes", async () => {
    const overview = await page.evaluate(() => window.granuleViewer!.open("000001"));
    expect(overview.recordingId).toBe("000001");
    expect(overview.probes).toBeGreaterThan(100);
    const fileBytes = readFileSync(ARCHIVE_RECORDINGS.dawn.file).length;
    expect(overview.bytesRead).toBeGreaterThan(0);
    // Opening (zarr.json, index arrays, shard index) and the probes; never the file twice.
    expect(overview.bytesRead).toBeLessThan(fileBytes * 1.5);
    const info = await page.locator("dl.info").textContent();
    expect(info).toContain("pond-3");
    expect(info).toContain('"project":"dawn chorus"');
    const stats = await canvasStats("canvas.overview");
    expect(stats.width).toBeGreaterThan(500);
    expect(stats.differing).toBeGreaterThan(stats.width * stats.height * 0.3);
    expect(stats.colours).toBeGreaterThan(50);
  });

  it("decodes a selection exactly: sample count, segments row, detail spectrogram drawn", async () => {
    const result = await page.evaluate(() => window.granuleViewer!.select(2.5, 4.75));
    expect(result).toMatchObject({
      recordingId: "000001",
      startSample: 120_000,
      endSample: 228_000,
      sampleRate: 48_000,
      channels: 1,
      decodedSamples: 108_000,
      row: "000001,2.5,4.75",
    });
    // A 2.25 s read: the window's pages (with 500 ms pre-roll), not the file.
    expect(result.bytesRead).toBeLessThan(readFileSync(ARCHIVE_RECORDINGS.dawn.file).length / 2);
    expect(await page.locator("input.row").inputValue()).toBe("000001,2.5,4.75");
    const stats = await canvasStats("canvas.detail");
    expect(stats.differing).toBeGreaterThan(stats.width * stats.height * 0.3);
    expect(stats.colours).toBeGreaterThan(50);
    await page.screenshot({ path: join(RESULTS, "viewer-dawn-chorus.png"), fullPage: true });
  });

  it("selects by dragging on the overview", async () => {
    const box = (await page.locator("canvas.overview").boundingBox())!;
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.3, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.45, y, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(
      () => !(document.querySelector("input.row") as HTMLInputElement).value.startsWith("000001,2.5,"),
    );
    const row = await page.locator("input.row").inputValue();
    const [, start, end] = row.split(",").map(Number);
    // About 30 % to 45 % of the 20 s recording (the axis margin shifts it a little).
    expect(start).toBeGreaterThan(4);
    expect(start).toBeLessThan(7);
    expect(end! - start!).toBeGreaterThan(2);
    expect(end! - start!).toBeLessThan(4);
    await page.waitForFunction(() => document.querySelector(".status")!.textContent!.includes("decoded"));
    const status = await page.locator(".status").textContent();
    expect(status).toContain(`${Math.round((end! - start!) * 48_000)} samples`);
  });

  it("downloads the selection as WAV (16-bit, its exact length) and as a stream-copy clip", async () => {
    await page.evaluate(() => window.granuleViewer!.select(1, 1.5));
    const [wav] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download WAV" }).click(),
    ]);
    expect(wav.suggestedFilename()).toBe("000001_1-1.5.wav");
    const wavBytes = readFileSync((await wav.path())!);
    expect(wavBytes.length).toBe(44 + 24_000 * 2);
    expect(wavBytes.readUInt32LE(24)).toBe(48_000);
    const [opus] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download clip (.opus)" }).click(),
    ]);
    expect(opus.suggestedFilename()).toBe("000001_1-1.5.opus");
    const clip = new Uint8Array(readFileSync((await opus.path())!));
    const index = await buildIndex(clip, { workers: 0 });
    expect(index.totalSamples).toBe(24_000);
    expect(bufferSource(clip).size).toBe(clip.length);
  });

  it("shows a time-expanded recording in real Hz and plays it slowed down, saying so", async () => {
    await page.evaluate(() => window.granuleViewer!.open("000002"));
    const result = await page.evaluate(() => window.granuleViewer!.select(0.145, 0.16));
    expect(result.sampleRate).toBe(384_000);
    expect(result.startSample).toBe(55_680);
    expect(result.decodedSamples).toBe(5760);
    expect(result.row).toBe("000002,0.145,0.16");
    expect(await page.locator("dl.info").textContent()).toContain("time expansion ×8");
    expect(await page.locator("select").inputValue()).toBe(String(1 / 10));
    const played = await page.evaluate(() => window.granuleViewer!.play(1 / 10));
    expect(played).toEqual({
      speed: 0.1,
      bufferSampleRate: 38_400,
      frames: 5760,
      note: "playing at 1/10 speed: 80 kHz sounds as 8 kHz",
    });
    expect(await page.locator(".play-note").textContent()).toBe(
      "playing at 1/10 speed: 80 kHz sounds as 8 kHz (0.15 s)",
    );
    const stats = await canvasStats("canvas.detail");
    expect(stats.colours).toBeGreaterThan(50);
    await page.screenshot({ path: join(RESULTS, "viewer-bat-sweeps.png"), fullPage: true });
    await page.evaluate(() => window.granuleViewer!.stop());
  });

  it("reports a recording that does not exist, with its id", async () => {
    const message = await page.evaluate(() =>
      window.granuleViewer!.open("999999").then(
        () => "opened",
        (e: Error) => e.message,
      ),
    );
    expect(message).toContain("999999");
    expect(await page.locator(".status.error").textContent()).toContain("999999");
  });

  it("logged no page errors", () => {
    // The deliberate 404 of the last test is the only failed request Chromium may log.
    expect(problems.filter((p) => !p.includes("404"))).toEqual([]);
  });
});
