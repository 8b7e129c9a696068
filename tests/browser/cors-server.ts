import { open, stat } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join, normalize } from "node:path";

/**
 * A static file server on 127.0.0.1 as static hosting with CORS behaves: GET with ETag, 404,
 * single Range requests answered 206 (or 416), and the CORS headers a page on another origin
 * needs to read an archive: Access-Control-Allow-Origin, Range allowed in preflights (a suffix
 * range, bytes=-n, is not a "simple" header), Content-Range and ETag exposed.
 */
export async function startCorsServer(root: string, options: { ignoreRange?: boolean } = {}) {
  const cors = {
    "access-control-allow-origin": "*",
    "access-control-expose-headers": "content-range, content-length, etag, accept-ranges",
  };
  const server = createServer(async (request, response) => {
    if (request.method === "OPTIONS") {
      response
        .writeHead(204, {
          ...cors,
          "access-control-allow-methods": "GET, HEAD",
          "access-control-allow-headers": "range",
          "access-control-max-age": "600",
        })
        .end();
      return;
    }
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname);
    const file = join(root, normalize(path).replace(/^(\.\.[/\\])+/, ""));
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      response.writeHead(404, cors).end();
      return;
    }
    const size = info.size;
    const etag = `"${info.ino.toString(16)}-${size.toString(16)}-${Math.round(info.mtimeMs * 1000).toString(16)}"`;
    let start = 0;
    let end = size - 1;
    let status = 200;
    const range = options.ignoreRange ? undefined : request.headers.range;
    if (range !== undefined) {
      const match = /^bytes=(\d*)-(\d*)$/.exec(range);
      if (match === null || (match[1] === "" && match[2] === "")) {
        response.writeHead(400, cors).end();
        return;
      }
      if (match[1] === "") start = Math.max(0, size - Number(match[2]));
      else {
        start = Number(match[1]);
        end = match[2] === "" ? size - 1 : Math.min(size - 1, Number(match[2]));
      }
      if (start >= size) {
        response.writeHead(416, { ...cors, "content-range": `bytes */${size}` }).end();
        return;
      }
      status = 206;
    }
    const length = end - start + 1;
    const body = Buffer.alloc(length);
    const handle = await open(file, "r");
    await handle.read(body, 0, length, start);
    await handle.close();
    response.writeHead(status, {
      ...cors,
      "content-length": length,
      etag,
      ...(options.ignoreRange ? {} : { "accept-ranges": "bytes" }),
      ...(status === 206 ? { "content-range": `bytes ${start}-${end}/${size}` } : {}),
    });
    response.end(body);
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done, fail) => {
        server.closeAllConnections();
        server.close((error) => (error ? fail(error) : done()));
      }),
  };
}
