import { open, stat } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join, normalize } from "node:path";

export interface StaticServer {
  url: string;
  /** Requests answered and body bytes sent, since the last `reset()`. */
  requests: number;
  bytesSent: number;
  /** Every request as `path range`. */
  log: string[];
  /** Every request with its timing, for `sequentialRoundTrips`. */
  exchanges: Exchange[];
  reset(): void;
  close(): Promise<void>;
}

export interface StaticServerOptions {
  /** Answer every request 200 with the whole file, as a server without Range support does. */
  ignoreRange?: boolean;
  /**
   * Wait this long before each answer, as a distant server does: requests sent together then
   * overlap in time, so that `sequentialRoundTrips` tells them from requests sent one after another.
   */
  delayMs?: number;
}

/** One request: what was asked, the body bytes sent, and when it arrived and its answer ended. */
export interface Exchange {
  path: string;
  range: string | undefined;
  bytes: number;
  startMs: number;
  endMs: number;
}

/**
 * The longest chain of requests each sent only after the previous one's answer had ended: the
 * round trips a client waited for one after another (as bench/whole-process counts them).
 */
export function sequentialRoundTrips(exchanges: readonly Exchange[]): number {
  const done = [...exchanges].sort((a, b) => a.startMs - b.startMs);
  const chain = done.map(() => 1);
  for (let i = 0; i < done.length; i++) {
    for (let j = 0; j < i; j++) {
      if (done[j]!.endMs <= done[i]!.startMs) chain[i] = Math.max(chain[i]!, chain[j]! + 1);
    }
  }
  return Math.max(0, ...chain);
}

/**
 * A static file server on 127.0.0.1 as static hosting behaves: GET of files with an ETag
 * (inode, size and modification time, as nginx and Apache make it), 404 for what is not there,
 * and single Range requests (`bytes=a-b`, `bytes=a-`, `bytes=-n`) answered 206 with
 * Content-Range, or 416 past the end. No directory listings.
 */
export async function startStaticServer(root: string, options: StaticServerOptions = {}): Promise<StaticServer> {
  const state = { requests: 0, bytesSent: 0, log: [] as string[], exchanges: [] as Exchange[] };
  const server = createServer(async (request, response) => {
    state.requests++;
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname);
    const range = request.headers.range;
    state.log.push(`${path} ${range ?? ""}`.trim());
    const exchange: Exchange = { path, range, bytes: 0, startMs: performance.now(), endMs: Number.NaN };
    state.exchanges.push(exchange);
    response.on("finish", () => {
      exchange.endMs = performance.now();
    });
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    const file = join(root, normalize(path).replace(/^(\.\.[/\\])+/, ""));
    let size: number;
    let etag: string;
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new Error("not a file");
      size = info.size;
      etag = `"${info.ino.toString(16)}-${size.toString(16)}-${Math.round(info.mtimeMs * 1000).toString(16)}"`;
    } catch {
      response.writeHead(404).end();
      return;
    }
    let start = 0;
    let end = size - 1;
    let status = 200;
    if (range !== undefined && !options.ignoreRange) {
      const match = /^bytes=(\d*)-(\d*)$/.exec(range);
      if (match === null || (match[1] === "" && match[2] === "")) {
        response.writeHead(400).end();
        return;
      }
      if (match[1] === "") {
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
    const length = end - start + 1;
    const body = Buffer.alloc(length);
    const handle = await open(file, "r");
    await handle.read(body, 0, length, start);
    await handle.close();
    state.bytesSent += length;
    exchange.bytes = length;
    response.writeHead(status, {
      "content-length": length,
      etag,
      ...(options.ignoreRange ? {} : { "accept-ranges": "bytes" }),
      ...(status === 206 ? { "content-range": `bytes ${start}-${end}/${size}` } : {}),
    });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    get bytesSent() {
      return state.bytesSent;
    },
    get log() {
      return state.log;
    },
    get exchanges() {
      return state.exchanges;
    },
    reset() {
      state.requests = 0;
      state.bytesSent = 0;
      state.log = [];
      state.exchanges = [];
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
