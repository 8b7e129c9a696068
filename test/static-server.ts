// A static file server on 127.0.0.1 that behaves like static hosting: GET with an ETag, 404
// for what is not there, single Range requests answered 206 with Content-Range (416 past the
// end). For the docs' snippets, which read https://example.org/... through a fetch shim.
import { open, stat } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join, normalize } from "node:path";

export interface StaticServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  close(): Promise<void>;
}

export async function startStaticServer(root: string): Promise<StaticServer> {
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname);
    const file = join(root, normalize(path).replace(/^(\.\.[/\\])+/, ""));
    let size: number;
    let etag: string;
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new Error("not a file");
      size = info.size;
      etag = `"${info.ino.toString(16)}-${size.toString(16)}-${Math.round(info.mtimeMs).toString(16)}"`;
    } catch {
      response.writeHead(404).end();
      return;
    }
    let start = 0;
    let end = size - 1;
    let status = 200;
    const range = request.headers.range;
    if (range !== undefined) {
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
    const length = Math.max(0, end - start + 1);
    const body = Buffer.alloc(length);
    const handle = await open(file, "r");
    try {
      await handle.read(body, 0, length, start);
    } finally {
      await handle.close();
    }
    response.writeHead(status, {
      "content-length": length,
      etag,
      "accept-ranges": "bytes",
      ...(status === 206 ? { "content-range": `bytes ${start}-${end}/${size}` } : {}),
    });
    response.end(request.method === "HEAD" ? undefined : body);
  });
  // Keep-alive sockets would hold close() open until they time out.
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
