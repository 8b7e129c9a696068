// node:fs for the packages' own tests in the browser: they read their fixtures with
// readFileSync(new URL("../../../fixtures/x.opus", import.meta.url)). In the browser that URL
// is the test server's, so a synchronous XMLHttpRequest fetches the same file. (Synchronous
// requests are deprecated on a page's main thread but still work in Chromium, and keep the
// tests unchanged.) Anything else of node:fs throws, naming what was called.

function fetchBytes(path: string | URL): Uint8Array {
  const url = String(path);
  const request = new XMLHttpRequest();
  request.open("GET", url, false);
  // Bytes as a string of one char each (x-user-defined maps 0x80-0xFF to U+F780-U+F7FF).
  request.overrideMimeType("text/plain; charset=x-user-defined");
  request.send();
  if (request.status !== 200) {
    throw Object.assign(new Error(`ENOENT: no such file (GET ${url} answered ${request.status})`), { code: "ENOENT" });
  }
  const text = request.responseText;
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  return bytes;
}

export function readFileSync(path: string | URL, options?: string | { encoding?: string | null }): Uint8Array | string {
  const bytes = fetchBytes(path);
  const encoding = typeof options === "string" ? options : options?.encoding;
  return encoding ? new TextDecoder().decode(bytes) : bytes;
}

export function existsSync(path: string | URL): boolean {
  const request = new XMLHttpRequest();
  request.open("HEAD", String(path), false);
  request.send();
  return request.status === 200;
}

function unavailable(name: string) {
  return () => {
    throw new Error(`node:fs ${name} is not available in the browser`);
  };
}

export const writeFileSync = unavailable("writeFileSync");
export const mkdtempSync = unavailable("mkdtempSync");
export const rmSync = unavailable("rmSync");
export default { readFileSync, existsSync, writeFileSync, mkdtempSync, rmSync };
