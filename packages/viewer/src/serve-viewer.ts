import { createReadStream } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { ViewerError } from "./viewer-error.ts";

export interface ServeViewerOptions {
  /** A collection: a local directory (served too, under /archive/) or an http(s) URL (the page reads it there). */
  archive: string;
  /** Port to listen on; 0 (the default) takes any free one. */
  port?: number;
  /** Only the loopback address: the server is for the person at this machine. */
  host?: "127.0.0.1";
  /** Where the built page is (index.html, viewer.js, viewer.css); default this package's dist/page. */
  pageDirectory?: string;
}

export interface ViewerServer {
  /** The page's URL with the archive in its query: open it in a browser. */
  url: string;
  /** The server's own origin, `http://127.0.0.1:<port>`. */
  origin: string;
  /** Requests answered and bytes of files sent, for measurements. */
  readonly requests: number;
  readonly bytesSent: number;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
};

/** The built page beside this module (dist/page), where the package ships it. */
export function viewerPageDirectory(): string {
  return fileURLToPath(new URL("./page/", import.meta.url));
}

/**
 * Serves the viewer page and, for a local directory, the collection's files (with Range
 * requests, as static hosting does) on 127.0.0.1 only. Refuses other Host headers (so that a
 * web page cannot reach it by DNS rebinding), hidden names (imports in progress), paths out of
 * the archive (`..`, symbolic links), and methods other than GET and HEAD. Sends no CORS
 * headers: other sites' pages cannot read the archive through it.
 */
export async function serveViewer(options: ServeViewerOptions): Promise<ViewerServer> {
  const host = options.host ?? "127.0.0.1";
  if (host !== "127.0.0.1") {
    throw new ViewerError("invalid-argument", `serveViewer listens on 127.0.0.1 only, not ${String(host)}`);
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ViewerError("invalid-argument", `port must be a whole number from 0 to 65535, got ${port}`);
  }
  const pageDirectory = resolve(options.pageDirectory ?? viewerPageDirectory());
  const pageFiles = new Set(await readdir(pageDirectory).catch(() => [] as string[]));
  if (!pageFiles.has("index.html") || !pageFiles.has("viewer.js")) {
    throw new ViewerError(
      "not-built",
      `no built viewer page in ${pageDirectory} (index.html and viewer.js): run npm run build`,
    );
  }

  const remote = /^https?:\/\//i.test(options.archive);
  let archiveRoot: string | undefined;
  if (!remote) {
    const directory = resolve(options.archive.startsWith("file:") ? fileURLToPath(options.archive) : options.archive);
    const marker = await stat(join(directory, "zarr.json")).catch(() => undefined);
    if (!marker?.isFile()) {
      throw new ViewerError("not-a-collection", `${directory} has no zarr.json: not a zarr-opus collection directory`);
    }
    archiveRoot = await realpath(directory);
  }
  const archiveOrigin = remote ? new URL(options.archive).origin : "";
  const state = { requests: 0, bytesSent: 0 };

  const server = createServer((request, response) => {
    state.requests++;
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
      else response.destroy();
    });
  });

  let allowedHosts: Set<string> = new Set();
  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!allowedHosts.has(request.headers.host ?? "")) {
      response.writeHead(421, { "content-type": "text/plain" }).end("wrong Host header\n");
      return;
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(request.url ?? "/", "http://127.0.0.1").pathname);
    } catch {
      response.writeHead(400).end();
      return;
    }
    if (path === "/" || path === "/index.html") {
      await sendFile(request, response, join(pageDirectory, "index.html"), pageHeaders());
      return;
    }
    const name = path.slice(1);
    if (!name.includes("/") && pageFiles.has(name) && name !== "index.html") {
      await sendFile(request, response, join(pageDirectory, name), { "cache-control": "no-cache" });
      return;
    }
    if (archiveRoot !== undefined && path.startsWith("/archive/")) {
      const file = await archiveFile(archiveRoot, path.slice("/archive/".length));
      if (file !== undefined) {
        await sendFile(request, response, file, { "cache-control": "no-cache" });
        return;
      }
    }
    response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
  }

  function pageHeaders(): Record<string, string> {
    // WebAssembly (the Opus decoder, the CRC) needs 'wasm-unsafe-eval'; nothing needs eval.
    const connect = ["'self'", archiveOrigin].filter(Boolean).join(" ");
    return {
      "cache-control": "no-cache",
      "content-security-policy": `default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src ${connect}; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    };
  }

  async function sendFile(
    request: IncomingMessage,
    response: ServerResponse,
    file: string,
    headers: Record<string, string>,
  ): Promise<void> {
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      response.writeHead(404).end();
      return;
    }
    const size = info.size;
    const etag = `"${info.ino.toString(16)}-${size.toString(16)}-${Math.round(info.mtimeMs * 1000).toString(16)}"`;
    const common = {
      ...headers,
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "accept-ranges": "bytes",
      etag,
      "last-modified": info.mtime.toUTCString(),
    };
    const range = parseRange(request.headers.range, size);
    if (range === "unsatisfiable") {
      response.writeHead(416, { ...common, "content-range": `bytes */${size}` }).end();
      return;
    }
    const [start, end] = range ?? [0, size - 1];
    const length = Math.max(0, end - start + 1);
    response.writeHead(range ? 206 : 200, {
      ...common,
      "content-length": length,
      ...(range ? { "content-range": `bytes ${start}-${end}/${size}` } : {}),
    });
    if (request.method === "HEAD" || length === 0) {
      response.end();
      return;
    }
    await new Promise<void>((done, fail) => {
      const stream = createReadStream(file, { start, end });
      stream.on("data", (chunk) => {
        state.bytesSent += chunk.length;
      });
      stream.on("error", fail);
      response.on("close", () => {
        stream.destroy();
        done();
      });
      stream.pipe(response);
    });
  }

  await new Promise<void>((ready, fail) => {
    server.once("error", (error) =>
      fail(new ViewerError("listen-failed", `cannot listen on 127.0.0.1:${port}: ${error.message}`)),
    );
    server.listen(port, "127.0.0.1", ready);
  });
  const actualPort = (server.address() as AddressInfo).port;
  allowedHosts = new Set([`127.0.0.1:${actualPort}`, `localhost:${actualPort}`]);
  const origin = `http://127.0.0.1:${actualPort}`;
  const archiveParameter = remote ? options.archive : "archive/";
  return {
    url: `${origin}/?archive=${encodeURIComponent(archiveParameter)}`,
    origin,
    get requests() {
      return state.requests;
    },
    get bytesSent() {
      return state.bytesSent;
    },
    close: () =>
      new Promise<void>((done, fail) => {
        server.closeAllConnections();
        server.close((error) => (error ? fail(error) : done()));
      }),
  };
}

/**
 * The file for an archive key, or undefined: no empty, hidden (".importing-...", ".claim-...")
 * or parent segments, and the real path (symbolic links resolved) inside the archive.
 */
async function archiveFile(root: string, key: string): Promise<string | undefined> {
  const segments = key.split("/");
  if (segments.some((s) => s === "" || s.startsWith(".") || s.includes("\\") || s.includes("\0"))) return undefined;
  const candidate = join(root, ...segments);
  const real = await realpath(candidate).catch(() => undefined);
  if (real === undefined || !real.startsWith(root + sep)) return undefined;
  return real;
}

/** A single byte range (`a-b`, `a-`, `-n`) as [start, end] inclusive; undefined to send the whole file. */
export function parseRange(header: string | undefined, size: number): [number, number] | "unsatisfiable" | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Malformed or several ranges: ignore the header and send the whole file, as RFC 9110 allows.
  if (match === null || (match[1] === "" && match[2] === "")) return undefined;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0) return "unsatisfiable";
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(match[1]);
  const end = match[2] === "" ? size - 1 : Math.min(size - 1, Number(match[2]));
  if (match[2] !== "" && Number(match[2]) < start) return undefined;
  if (start >= size) return "unsatisfiable";
  return [start, end];
}
