// Main entry: runs in any runtime (Node, Deno, Bun, browsers). Memory and HTTP(S) archives;
// local directories and the faster native SHA-256 are in @granule/zarr-opus/node.
import { buildIndex } from "@granule/opus-index";
import { bindApi, resolveHttp } from "./api.ts";
import { anonymousIdentity } from "./leases.ts";
import { streamGzip } from "./platform.ts";
import { jsSha256 } from "./sha256.ts";

const api = bindApi({ sha256: jsSha256, buildIndex, gzip: streamGzip, identity: anonymousIdentity }, resolveHttp);

export const openCollection = api.openCollection;
export const openRecording = api.openRecording;
export const verifyRecording = api.verifyRecording;

export * from "./shared-exports.ts";
