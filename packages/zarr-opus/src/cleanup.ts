import type { Collection } from "./collection.ts";
import { MANIFEST_GROUP } from "./format.ts";
import { claimIsAbandoned, isClaimName } from "./hash-claim.ts";
import { isAbandoned, isTemporaryObjectName, isTemporaryPrefixName } from "./leases.ts";
import { isWritable } from "./store.ts";

/**
 * Removes what killed imports, deletions and writes left in a collection, when the process that
 * left it is gone (docs/format.md, "Writing"): hidden `.importing-*` and `.deleting-*` prefixes,
 * `.claim-*` objects, and the `*.tmp` objects of an interrupted atomic write in the collection
 * group and its manifest group. Only names this package makes, by their exact patterns
 * (leases.ts): a user's own `notes.tmp` stays. Returns the names removed, relative to the collection.
 */
/**
 * Removes the abandoned `.importing-*` and `.deleting-*` prefixes among `children` (a listing of
 * the collection taken anyway, by a manifest refresh say). Returns their names.
 */
export async function removeAbandonedPrefixes(collection: Collection, children: string[]): Promise<string[]> {
  const store = collection.store;
  if (!isWritable(store)) return [];
  const removed: string[] = [];
  for (const name of children) {
    if (!isTemporaryPrefixName(name)) continue;
    if (await isAbandoned(collection.platform.identity, store, collection.child(name))) {
      await store.remove(collection.child(name));
      removed.push(name);
    }
  }
  return removed;
}

export async function removeLeftovers(collection: Collection): Promise<string[]> {
  const store = collection.store;
  if (!isWritable(store)) return [];
  const identity = collection.platform.identity;
  const removed = await removeAbandonedPrefixes(collection, await store.listChildren(collection.path));
  for (const folder of ["", MANIFEST_GROUP, `${MANIFEST_GROUP}/sha256`]) {
    for (const name of await store.listObjects(collection.child(folder))) {
      const path = folder === "" ? name : `${folder}/${name}`;
      const key = collection.child(path);
      const abandoned = isTemporaryObjectName(name)
        ? await isAbandoned(identity, store, key)
        : folder === "" && isClaimName(name) && (await claimIsAbandoned(identity, store, key));
      if (abandoned) {
        await store.remove(key);
        removed.push(path);
      }
    }
  }
  return removed;
}
