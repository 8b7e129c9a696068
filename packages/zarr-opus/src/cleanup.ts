import type { Collection } from "./collection.ts";
import { MANIFEST_GROUP } from "./format.ts";
import { claimIsAbandoned, isClaimName } from "./hash-claim.ts";
import { isWritable } from "./store.ts";

/**
 * Removes what killed imports, deletions and writes left in a collection, when the process that
 * left it is gone (docs/format.md, "Writing"): hidden `.importing-*` and `.deleting-*` prefixes,
 * `.claim-*` objects, and the `*.tmp` objects of an interrupted atomic write in the collection
 * group and its manifest group. Returns the names removed, relative to the collection.
 */
export async function removeLeftovers(collection: Collection): Promise<string[]> {
  const store = collection.store;
  if (!isWritable(store)) return [];
  const removed: string[] = [];
  for (const name of await store.listChildren(collection.path)) {
    if (!name.startsWith(".importing-") && !name.startsWith(".deleting-")) continue;
    if (await store.isAbandoned(collection.child(name))) {
      await store.remove(collection.child(name));
      removed.push(name);
    }
  }
  for (const folder of ["", MANIFEST_GROUP]) {
    for (const name of await store.listObjects(collection.child(folder))) {
      const path = folder === "" ? name : `${folder}/${name}`;
      const key = collection.child(path);
      const abandoned = name.endsWith(".tmp")
        ? await store.isAbandoned(key)
        : folder === "" && isClaimName(name) && (await claimIsAbandoned(store, key));
      if (abandoned) {
        await store.remove(key);
        removed.push(path);
      }
    }
  }
  return removed;
}
