// Runs the built package in headless Chromium (Debian's `chromium`) from a file:// page with no
// server and no network, and prints which inner loop ran and the output fingerprints that
// test/kernel.test.ts expects in Node, Deno and Bun. Run after `npm run build`:
//   node scripts/browser-check.mjs
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const EXPECTED = "7626bc61 88636784 460a5cd5 ebe1d5da";
const bundle = readFileSync(new URL("../dist/index.js", import.meta.url), "utf8").replace(
  /\/\/# sourceMappingURL=.*$/m,
  "",
);
const exportList = bundle.match(/export \{([^}]*)\};\s*$/);
if (!exportList) throw new Error("dist/index.js does not end with an export list");
const names = exportList[1]
  .split(",")
  .map((n) => n.trim())
  .filter(Boolean);
const library = `${bundle.slice(0, exportList.index)}\nwindow.granuleResample = { ${names.join(", ")} };\n`;
const check = `
const R = window.granuleResample;
function noise(length, seed) {
  const out = new Float32Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) { x = (Math.imul(x, 1664525) + 1013904223) >>> 0; out[i] = (x / 2 ** 32 - 0.5) * 2; }
  return out;
}
function fingerprint(channels) {
  let h = 0x811c9dc5;
  for (const c of channels) for (const b of new Uint8Array(c.buffer, c.byteOffset, c.byteLength)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}
const x = [noise(9000, 1), noise(9000, 2)];
document.body.textContent = "RESULT " + R.describeFilter(48000, 32000).kernel + " " + [
  fingerprint(R.resample(x, 48000, 32000)),
  fingerprint(R.resample(x, 44100, 48000, { quality: "strict" })),
  fingerprint(R.resample(x, 48000, 16000, { quality: "fast" })),
  fingerprint(R.resample(x, 384000, 192000)),
].join(" ");`;
const dir = mkdtempSync(join(tmpdir(), "resample-browser-"));
try {
  const page = join(dir, "page.html");
  writeFileSync(page, `<!doctype html><html><body>not run<script>${library}${check}</script></body></html>`);
  const run = spawnSync("chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", `file://${page}`], {
    encoding: "utf8",
    timeout: 120_000,
  });
  if (run.error) {
    console.log(`chromium not runnable here (${run.error.message}): skipped`);
    process.exit(0);
  }
  const result = run.stdout.match(/RESULT ([a-z-]+) ([0-9a-f ]+)/);
  if (!result) throw new Error(`the page did not run: ${run.stdout.slice(0, 300)} ${run.stderr.slice(-300)}`);
  console.log(`chromium: kernel ${result[1]}, fingerprints ${result[2].trim()}`);
  if (result[2].trim() !== EXPECTED) throw new Error(`fingerprints differ from Node's: expected ${EXPECTED}`);
  console.log("same bits as Node, Deno and Bun");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
