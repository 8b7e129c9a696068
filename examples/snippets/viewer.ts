import { serveViewer } from "@granule/viewer/node";

// The page and the archive, on the loopback address only; any free port.
const server = await serveViewer({ archive: "season.zarr", port: 0, host: "127.0.0.1" });
console.log(server.url); // http://127.0.0.1:40123/?archive=archive%2F
await server.close();
