import { ArchiveError } from "./errors.ts";
import { FORMAT_VERSION, MANIFEST_GROUP, MARKER_ATTRIBUTE } from "./format.ts";
import { type Manifest, readManifestAt } from "./manifest.ts";
import type { Platform } from "./platform.ts";
import { checkVersion, markerOf } from "./recording-attributes.ts";
import { type AbsolutePath, type ArchiveStore, isWritable, joinKey } from "./store.ts";
import { groupMetadata, metadataKey, readNode } from "./zarr-json.ts";

/**
 * An open collection: a Zarr v3 group marked `{"zarrOpus": {"type": "collection", ...}}`,
 * with one child group per recording. Get one from `openCollection`.
 */
export class Collection {
  /** @internal */
  readonly platform: Platform;
  /** @internal The removal of what killed imports left, done once per open collection. */
  leftoversChecked: Promise<void> | undefined;
  /** @internal The highest numeric id in a listing taken by this object's first commit. */
  listedHighestId: Promise<number> | undefined;
  /** The manifest read to open the collection (`manifestFirst`), for the first reader of it. */
  private openedWith: Manifest | undefined;

  constructor(
    /** The store holding the collection (a directory, memory, an HTTP server). */
    readonly store: ArchiveStore,
    /** The collection group's path in the store: `/` for the store's root. */
    readonly path: AbsolutePath,
    /** The collection group's attributes, as read when it was opened. */
    readonly attributes: Record<string, unknown>,
    platform: Platform,
  ) {
    this.platform = platform;
  }

  /** Whether recordings can be imported and deleted (false over HTTP). */
  get writable(): boolean {
    return isWritable(this.store);
  }

  /** Where the collection is, for messages. */
  get description(): string {
    return this.path === "/" ? this.store.description : `${this.store.description}${this.path}`;
  }

  /** @internal The manifest this object was opened with, handed out once: later reads are fresh. */
  takeManifest(): Manifest | undefined {
    const manifest = this.openedWith;
    this.openedWith = undefined;
    return manifest;
  }

  /** @internal */
  withManifest(manifest: Manifest): this {
    this.openedWith = manifest;
    return this;
  }

  /** @internal The key prefix of a child of the collection group. */
  child(name: string): AbsolutePath {
    return joinKey(this.path, name);
  }
}

export interface OpenCollectionOptions {
  /** Create the collection if it does not exist, or mark an existing plain group as one. Default false. */
  create?: boolean;
  /** The collection group's path inside the store (for a store object or URL holding a larger hierarchy). Default: its root. */
  path?: string;
  /** Free attributes to give a collection this call creates. */
  attributes?: Record<string, unknown>;
  /**
   * Over HTTP (a read-only store), read the manifest first, and open the collection from the
   * copy of its attributes that the manifest keeps: a listing then costs one request, the
   * manifest (as fresh as the server's copy of it). A manifest without that copy (written by
   * an older version) or none: the collection's own `zarr.json` is read, as without this.
   */
  manifestFirst?: boolean;
  signal?: AbortSignal;
}

export async function openCollectionIn(
  store: ArchiveStore,
  platform: Platform,
  options: OpenCollectionOptions = {},
): Promise<Collection> {
  const path = joinKey(options.path ?? "/");
  const key = metadataKey(path);
  if (options.manifestFirst && !isWritable(store)) {
    const manifest = await readManifestAt(store, joinKey(path, MANIFEST_GROUP), platform.sha256, options.signal).catch(
      (error: unknown) => {
        // A damaged manifest is reported where it is used, after the collection is opened.
        if (error instanceof ArchiveError) return undefined;
        throw error;
      },
    );
    const attributes = manifest?.collectionAttributes;
    const marker = markerOf(attributes);
    if (manifest !== undefined && marker?.type === "collection") {
      checkVersion(marker.formatVersion, key);
      return new Collection(store, path, attributes!, platform).withManifest(manifest);
    }
  }
  const node = await readNode(store, path, options.signal);
  const marker = markerOf(node?.attributes);
  if (node?.node_type === "group" && marker?.type === "collection") {
    checkVersion(marker.formatVersion, key);
    return new Collection(store, path, node.attributes ?? {}, platform);
  }
  const why =
    node === undefined
      ? "no Zarr v3 group here"
      : node.node_type === "array"
        ? "this is a Zarr array, not a group"
        : marker !== undefined
          ? `this group is a ${marker.type}, not a collection`
          : "this Zarr group has no collection marker";
  if (!options.create || node?.node_type === "array" || marker !== undefined) {
    throw new ArchiveError("not-a-collection", `${store.description}${path === "/" ? "" : path}: ${why}`, { key });
  }
  if (!isWritable(store)) {
    throw new ArchiveError("read-only", `cannot create a collection in read-only ${store.description}`, { key });
  }
  const attributes = {
    ...options.attributes,
    ...node?.attributes,
    [MARKER_ATTRIBUTE]: { type: "collection", formatVersion: FORMAT_VERSION },
  };
  await store.set(key, groupMetadata(attributes));
  return new Collection(store, path, attributes, platform);
}
