// A misbehaving HTTP server on 127.0.0.1 for tests of every package that reads over HTTP.
// The first path segment picks the misbehaviour: `GET /<mode>/<path>` serves `<path>` (a file
// under `root`, or the one object `bytes` at its `path`) the way `<mode>` says. Connections it
// holds (stalls) are dropped by `close()`; endless bodies stop when the client goes away.
import { readFile, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { join, normalize } from "node:path";

export const HOSTILE_MODES = [
  /** A well-behaved static server: 206 with Content-Range, suffix ranges, 416 past the end, ETag, HEAD. */
  "ok",
  /** Ignores Range: 200 with the whole object and its Content-Length (python3 -m http.server). */
  "ignore-range",
  /** Ignores Range and sends the whole object chunked, without Content-Length, in small pieces. */
  "chunked-200",
  /** 206 for the asked range shifted 1000 bytes on, with a Content-Range that says so. */
  "wrong-content-range",
  /** 206 whose Content-Range names the asked start, but ends 100 bytes past the asked end. */
  "wrong-end",
  /** 206 for the asked range whose Content-Length (and body) is half of it. */
  "short-body",
  /** 206 with honest headers; half the body, then the connection is cut. */
  "premature-eof",
  /** Never answers: the request is held until the server closes. */
  "stall-headers",
  /** Headers and half the body, then nothing. */
  "stall-body",
  /** 200 chunked: the object's bytes, then zeros without end. */
  "endless",
  /** 200 with Content-Length 1 GiB: the object's bytes, then zeros. */
  "huge",
  /** 503 for every other request of the same range (the first included), the rest as "ok". */
  "flaky-5xx",
  /** 500 for every request. */
  "always-5xx",
  /** The connection of every other request of the same range (the first included) is reset before an answer. */
  "reset",
  /** 416 for suffix ranges (`bytes=-n`), as http-server@14; the rest as "ok". */
  "no-suffix",
  /** Another ETag for every request. */
  "changing-etag",
  /** 302 to the same path under /ok/, twice in a row (via /redirect-once/). */
  "redirect",
  /** 302 to /ok/. */
  "redirect-once",
  /** 302 to itself, forever. */
  "redirect-loop",
] as const;

export type HostileMode = (typeof HOSTILE_MODES)[number];

export interface HostileServerOptions {
  /** Serve the files under this directory. */
  root?: string;
  /** Or serve these bytes at `path` (404 elsewhere). */
  bytes?: Uint8Array;
  /** Where `bytes` are served: `/x.opus` by default. */
  path?: string;
}

export interface HostileServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** The URL of `path` served by `mode`. */
  url(mode: HostileMode, path?: string): string;
  /** Requests received, and body bytes written, since the last `reset()`. */
  readonly requests: number;
  readonly bytesSent: number;
  /** Connections accepted since the last `reset()`. */
  readonly connections: number;
  /** Every request as `METHOD /mode/path range`. */
  readonly log: string[];
  reset(): void;
  close(): Promise<void>;
}

const GIB = 1024 * 1024 * 1024;
const ZEROS = new Uint8Array(64 * 1024);

export async function startHostileServer(options: HostileServerOptions): Promise<HostileServer> {
  const state = { requests: 0, bytesSent: 0, connections: 0, log: [] as string[], counters: new Map<string, number>() };
  const sockets = new Set<Socket>();
  let closing = false;

  // Files are read once per version (size and modification time), not once per request.
  const files = new Map<string, { version: string; bytes: Uint8Array }>();
  const objectAt = async (path: string): Promise<Uint8Array | undefined> => {
    if (options.bytes !== undefined) return path === (options.path ?? "/x.opus") ? options.bytes : undefined;
    const file = join(options.root ?? ".", normalize(path).replace(/^(\.\.[/\\])+/, ""));
    const info = await stat(file).catch(() => undefined);
    if (info === undefined || !info.isFile()) return undefined;
    const version = `${info.size}-${info.mtimeMs}`;
    const held = files.get(file);
    if (held?.version === version) return held.bytes;
    const bytes = new Uint8Array(await readFile(file));
    files.set(file, { version, bytes });
    return bytes;
  };

  const write = async (response: ServerResponse, bytes: Uint8Array): Promise<boolean> => {
    if (response.destroyed || closing) return false;
    state.bytesSent += bytes.length;
    if (!response.write(bytes)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          response.off("drain", done);
          response.off("close", done);
          resolve();
        };
        response.on("drain", done);
        response.on("close", done);
      });
    }
    return !response.destroyed && !closing;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    state.requests++;
    const url = new URL(request.url ?? "/", "http://x");
    const [, mode = "", ...rest] = decodeURIComponent(url.pathname).split("/");
    const path = `/${rest.join("/")}`;
    const range = request.headers.range;
    state.log.push(`${request.method} /${mode}${path}${range === undefined ? "" : ` ${range}`}`);
    // Counted per request (mode, method, path, range), so that concurrent readers each meet
    // the misbehaviour on their first try, as every other request to a flaky server would.
    const counter = `${mode} ${request.method} ${path} ${range ?? ""}`;
    const count = (state.counters.get(counter) ?? 0) + 1;
    state.counters.set(counter, count);
    if (mode === "stall-headers") return; // held until close()
    if (mode === "always-5xx" || (mode === "flaky-5xx" && count % 2 === 1)) {
      response.writeHead(mode === "always-5xx" ? 500 : 503).end();
      return;
    }
    if (mode === "redirect" || mode === "redirect-once" || mode === "redirect-loop") {
      const next = mode === "redirect" ? "redirect-once" : mode === "redirect-once" ? "ok" : "redirect-loop";
      response.writeHead(302, { location: `/${next}${path}${url.search}` }).end();
      return;
    }
    const bytes = await objectAt(path);
    if (bytes === undefined) {
      response.writeHead(404).end();
      return;
    }
    const size = bytes.length;
    const etag = mode === "changing-etag" ? `"v${state.requests}"` : `"${size.toString(16)}-${checksum(bytes)}"`;
    const head = request.method === "HEAD";

    if (mode === "ignore-range" || mode === "huge" || mode === "endless" || mode === "chunked-200") {
      const length = mode === "huge" ? GIB : size;
      response.writeHead(200, {
        etag,
        ...(mode === "endless" || mode === "chunked-200" ? {} : { "content-length": length }),
      });
      if (head) return void response.end();
      if (mode === "ignore-range") {
        await write(response, bytes);
        return void response.end();
      }
      // Small pieces, so that readers meet many of them.
      for (let at = 0; at < size; at += 4096) {
        if (!(await write(response, bytes.subarray(at, Math.min(size, at + 4096))))) return;
      }
      if (mode === "chunked-200") return void response.end();
      for (let sent = size; mode === "endless" || sent < length; sent += ZEROS.length) {
        const piece = mode === "huge" ? ZEROS.subarray(0, Math.min(ZEROS.length, length - sent)) : ZEROS;
        if (!(await write(response, piece))) return;
      }
      return void response.end();
    }

    // Everything else answers ranges as a static server would, then misbehaves.
    let start = 0;
    let end = size - 1;
    let status = 200;
    if (range !== undefined) {
      const match = /^bytes=(\d*)-(\d*)$/.exec(range);
      if (match === null || (match[1] === "" && match[2] === "")) {
        response.writeHead(400).end();
        return;
      }
      if (match[1] === "") {
        if (mode === "no-suffix") {
          response.writeHead(416, { "content-range": `bytes */${size}` }).end();
          return;
        }
        start = Math.max(0, size - Number(match[2]));
      } else {
        start = Number(match[1]);
        end = match[2] === "" ? size - 1 : Math.min(size - 1, Number(match[2]));
      }
      if (start >= size) {
        response.writeHead(416, { "content-range": `bytes */${size}` }).end();
        return;
      }
      status = 206;
    }
    if (mode === "reset" && count % 2 === 1) {
      request.socket.destroy();
      return;
    }
    let first = start;
    let last = end;
    if (status === 206 && mode === "wrong-content-range") {
      first = Math.min(size - 1, start + 1000);
      last = Math.min(size - 1, end + 1000);
    } else if (status === 206 && mode === "wrong-end") {
      last = Math.min(size - 1, end + 100);
    }
    const body = bytes.subarray(first, last + 1);
    const half = body.subarray(0, Math.floor(body.length / 2));
    const headers: Record<string, string | number> = {
      etag,
      "accept-ranges": "bytes",
      "content-length": mode === "short-body" ? half.length : body.length,
    };
    if (status === 206) headers["content-range"] = `bytes ${first}-${last}/${size}`;
    response.writeHead(status, headers);
    if (head) return void response.end();
    if (mode === "short-body") {
      await write(response, half);
      return void response.end();
    }
    if (mode === "premature-eof" || mode === "stall-body") {
      await write(response, half);
      // Let the half reach the client before cutting (or stalling) the connection.
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (mode === "premature-eof") request.socket.destroy();
      return; // stall-body: held until close()
    }
    await write(response, body);
    response.end();
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      response.destroy();
    });
  });
  server.on("connection", (socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  // close() destroys kept-alive sockets itself. (A Keep-Alive hint under undici's 2 s threshold,
  // such as 1 s, would make Node's fetch drop every connection after one answer.)
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (mode, path = "/x.opus") => `${origin}/${mode}${path.startsWith("/") ? path : `/${path}`}`,
    get requests() {
      return state.requests;
    },
    get bytesSent() {
      return state.bytesSent;
    },
    get connections() {
      return state.connections;
    },
    get log() {
      return state.log;
    },
    reset() {
      state.requests = 0;
      state.bytesSent = 0;
      state.connections = 0;
      state.log = [];
      state.counters.clear();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        closing = true;
        for (const socket of sockets) socket.destroy();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A cheap content tag for the ETag of an object. */
function checksum(bytes: Uint8Array): string {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 97) sum = (sum * 31 + bytes[i]!) >>> 0;
  return sum.toString(16);
}
