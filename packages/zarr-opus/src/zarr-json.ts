import { ArchiveError } from "./errors.ts";
import type { AbsolutePath, ReadableStore } from "./store.ts";

/** A Zarr v3 node's metadata document, as far as this package reads it. */
export interface NodeMetadata {
  zarr_format: 3;
  node_type: "group" | "array";
  attributes?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface CodecMetadata {
  name: string;
  configuration?: Record<string, unknown>;
}

export interface ArrayMetadata extends NodeMetadata {
  node_type: "array";
  shape: number[];
  data_type: string;
  chunk_grid: { name: string; configuration: { chunk_shape: number[] } };
  chunk_key_encoding: { name: string; configuration?: { separator?: string } };
  fill_value: unknown;
  codecs: CodecMetadata[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  // Compact: a recording's document (attributes, links, consolidated metadata) is read over HTTP.
  return encoder.encode(`${JSON.stringify(value)}\n`);
}

/**
 * A group's `zarr.json`. `consolidated`: the metadata of nodes below it, keyed by their path
 * relative to the group (Zarr's inline consolidated metadata), so that a reader learns a whole
 * recording's layout from this one document.
 */
export function groupMetadata(
  attributes: Record<string, unknown>,
  consolidated?: Record<string, NodeMetadata | ArrayMetadata>,
): Uint8Array {
  return encodeJson({
    zarr_format: 3,
    node_type: "group",
    attributes,
    ...(consolidated === undefined
      ? {}
      : { consolidated_metadata: { kind: "inline", must_understand: false, metadata: consolidated } }),
  });
}

/** The inline consolidated metadata of a group, when it has a well-formed one. */
export function consolidatedOf(node: NodeMetadata): Record<string, NodeMetadata> | undefined {
  const block = node.consolidated_metadata;
  if (!isObject(block) || block.kind !== "inline" || !isObject(block.metadata)) return undefined;
  const entries = Object.entries(block.metadata);
  const valid = entries.every(
    ([, value]) =>
      isObject(value) && value.zarr_format === 3 && (value.node_type === "group" || value.node_type === "array"),
  );
  return valid ? (block.metadata as Record<string, NodeMetadata>) : undefined;
}

/**
 * `store` with the `zarr.json` of the nodes that `consolidated` describes (below `prefix`)
 * answered from it, without a request; a node under `prefix` it does not list has none.
 */
export function withConsolidated(
  store: ReadableStore,
  prefix: AbsolutePath,
  consolidated: Record<string, NodeMetadata> | undefined,
): ReadableStore {
  if (consolidated === undefined) return store;
  const below = prefix === "/" ? "/" : `${prefix}/`;
  return {
    description: store.description,
    get: async (key, options) => {
      if (key.startsWith(below) && key.endsWith("/zarr.json")) {
        const path = key.slice(below.length, -"/zarr.json".length);
        const node = consolidated[path];
        if (node !== undefined) return encoder.encode(JSON.stringify(node));
        if (path !== "") return undefined;
      }
      return store.get(key, options);
    },
    getRange: (key, range, options) => store.getRange(key, range, options),
  };
}

/** Reads and checks the `zarr.json` under `prefix`; `undefined` if there is none. */
export async function readNode(
  store: ReadableStore,
  prefix: AbsolutePath,
  signal?: AbortSignal,
): Promise<NodeMetadata | undefined> {
  const key = metadataKey(prefix);
  const bytes = await store.get(key, signal ? { signal } : undefined);
  if (bytes === undefined) return undefined;
  return parseNode(bytes, key);
}

export function parseNode(bytes: Uint8Array, key: string): NodeMetadata {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch (error) {
    throw new ArchiveError("bad-metadata", `not valid JSON: ${(error as Error).message}`, { key, cause: error });
  }
  if (!isObject(value) || value.zarr_format !== 3 || (value.node_type !== "group" && value.node_type !== "array")) {
    throw new ArchiveError("bad-metadata", "not a Zarr v3 node (zarr_format 3, node_type group or array)", { key });
  }
  if (value.attributes !== undefined && !isObject(value.attributes)) {
    throw new ArchiveError("bad-metadata", "attributes must be an object", { key });
  }
  return value as NodeMetadata;
}

export function metadataKey(prefix: AbsolutePath): AbsolutePath {
  return prefix === "/" ? "/zarr.json" : `${prefix}/zarr.json`;
}

/** The key of chunk `coordinate` of a 1-D array, by its chunk key encoding. */
export function chunkKey(prefix: AbsolutePath, metadata: ArrayMetadata, coordinate: number): AbsolutePath {
  const encoding = metadata.chunk_key_encoding;
  if (encoding.name === "v2") {
    return `${prefix}/${coordinate}`;
  }
  const separator = encoding.configuration?.separator ?? "/";
  return `${prefix}/c${separator}${coordinate}`;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Checks the parts of an array document this package relies on, for a 1-D array. */
export function asArrayMetadata(node: NodeMetadata, key: string): ArrayMetadata {
  const a = node as Partial<ArrayMetadata>;
  const ok =
    node.node_type === "array" &&
    Array.isArray(a.shape) &&
    a.shape.length === 1 &&
    Number.isSafeInteger(a.shape[0]) &&
    a.shape[0]! >= 0 &&
    typeof a.data_type === "string" &&
    a.chunk_grid?.name === "regular" &&
    Array.isArray(a.chunk_grid.configuration?.chunk_shape) &&
    a.chunk_grid.configuration.chunk_shape.length === 1 &&
    Number.isSafeInteger(a.chunk_grid.configuration.chunk_shape[0]) &&
    a.chunk_grid.configuration.chunk_shape[0]! > 0 &&
    (a.chunk_key_encoding?.name === "default" || a.chunk_key_encoding?.name === "v2") &&
    Array.isArray(a.codecs);
  if (!ok) {
    throw new ArchiveError("bad-metadata", "expected a one-dimensional Zarr v3 array with a regular chunk grid", {
      key,
    });
  }
  return node as ArrayMetadata;
}
