// A static file server on 127.0.0.1 for the remote rows: GET/HEAD with single byte ranges, and a
// fixed delay before each response so that every round trip shows as time. It records each
// request (path, range, bytes sent, start and end) so a row can count requests, bytes and the
// round trips made one after another. It lives in the harness's process, which only waits on
// hyperfine meanwhile, and is closed when the harness ends.
import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";
import { join, normalize, sep } from "node:path";

export async function startDelayServer({ root, delayMs }) {
  let log = [];
  const server = createServer((request, response) => {
    const entry = {
      method: request.method,
      url: request.url,
      range: request.headers.range ?? null,
      bytes: 0,
      status: 0,
      startMs: performance.now(),
      endMs: 0,
    };
    log.push(entry);
    const finish = (status, headers, body) => {
      entry.status = status;
      response.writeHead(status, headers);
      if (body === undefined || request.method === "HEAD") {
        response.end();
        entry.endMs = performance.now();
        return;
      }
      body.on("data", (chunk) => {
        entry.bytes += chunk.length;
      });
      // A client that has read what it wanted of an open-ended range hangs up: the response
      // then ends at the close, and bytes count what the server had sent by then (some of it
      // may still have been in socket buffers: an upper bound of what the client read).
      body.on("end", () => {
        entry.complete = true;
      });
      response.on("close", () => {
        entry.endMs = performance.now();
        if (!entry.complete) entry.hungUp = true;
        body.destroy();
      });
      body.pipe(response);
    };
    setTimeout(() => {
      const path = normalize(join(root, decodeURIComponent(new URL(request.url, "http://x").pathname)));
      if (!path.startsWith(root + sep) || (request.method !== "GET" && request.method !== "HEAD"))
        return finish(403, {});
      let size;
      try {
        const stat = statSync(path);
        if (!stat.isFile()) return finish(404, {});
        size = stat.size;
      } catch {
        return finish(404, {});
      }
      const base = { "accept-ranges": "bytes", "content-type": "application/octet-stream" };
      const match = /^bytes=(\d*)-(\d*)$/.exec(entry.range ?? "");
      if (!entry.range || !match) return finish(200, { ...base, "content-length": size }, createReadStream(path));
      let start = match[1] === "" ? size - Number(match[2]) : Number(match[1]);
      let end = match[1] === "" || match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
      if (start < 0) start = 0;
      if (start >= size || end < start) return finish(416, { ...base, "content-range": `bytes */${size}` });
      end = Math.min(end, size - 1);
      finish(
        206,
        { ...base, "content-length": end - start + 1, "content-range": `bytes ${start}-${end}/${size}` },
        createReadStream(path, { start, end }),
      );
    }, delayMs);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    reset() {
      log = [];
    },
    requests() {
      return log;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(resolve);
      }),
  };
}

/**
 * Requests, bytes, and the longest chain of requests each started only after the previous one
 * had finished: the round trips a client waited for one after another.
 */
export function summariseRequests(log) {
  const done = log.filter((r) => r.endMs > 0).sort((a, b) => a.startMs - b.startMs);
  const chain = done.map(() => 1);
  for (let i = 0; i < done.length; i++) {
    for (let j = 0; j < i; j++) {
      if (done[j].endMs <= done[i].startMs && chain[j] + 1 > chain[i]) chain[i] = chain[j] + 1;
    }
  }
  return {
    requests: log.length,
    bytes: log.reduce((sum, r) => sum + r.bytes, 0),
    sequentialRoundTrips: chain.length ? Math.max(...chain) : 0,
    unfinished: log.length - done.length,
    hungUp: log.filter((r) => r.hungUp).length,
  };
}
