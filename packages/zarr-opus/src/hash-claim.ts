import type { Collection } from "./collection.ts";
import { ABANDONED_AFTER_MS, ownerState, type ProcessIdentity } from "./leases.ts";
import type { AbsolutePath, WritableStore } from "./store.ts";

/**
 * The claim on a file's SHA-256 (docs/format.md, "Writing"): the object `.claim-<sha256>` in the
 * collection, created only if absent and holding `{"owner", "claimedAt"}`. Imports of the same
 * file commit one at a time under it, so the second one sees the first one's recording.
 */

/** The owner rewrites its claim's `claimedAt` this often while it holds it. */
const REFRESH_MS = 1_000;
/** A claim unchanged this long, by the waiter's own clock, is no longer being refreshed. */
const SILENT_MS = 5_000;
/** ...and one whose `claimedAt` is also this old is stale, when its owner's process cannot be checked. */
const STALE_MS = 30_000;
/**
 * A claim whose owner's process id runs (on this host) is taken over only after this long
 * unchanged: the id may be in use again by another process. The same rule as for prefixes.
 */
const ABANDONED_MS = ABANDONED_AFTER_MS;
const POLL_MS = 20;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface ClaimDocument {
  /** Key of the temporary prefix of the import holding the claim. */
  owner: string;
  /** When the owner took or last refreshed the claim, ms since 1970 by the owner's clock. */
  claimedAt: number;
}

export function claimKey(collection: Collection, sha256: string): AbsolutePath {
  return collection.child(`.claim-${sha256}`);
}

export function isClaimName(name: string): boolean {
  return /^\.claim-[0-9a-f]{64}$/.test(name);
}

function parseClaim(text: string): ClaimDocument | undefined {
  try {
    const value = JSON.parse(text) as Partial<ClaimDocument>;
    return typeof value.owner === "string" && typeof value.claimedAt === "number"
      ? { owner: value.owner, claimedAt: value.claimedAt }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a waiting import may take over a claim it has seen unchanged for `unchangedMs`. A
 * claim appears whole (an exclusive create of a finished object), so one that does not parse
 * was damaged and is taken over.
 */
function isStale(identity: ProcessIdentity, text: string, unchangedMs: number): boolean {
  const claim = parseClaim(text);
  if (claim === undefined) return true;
  switch (ownerState(identity, claim.owner)) {
    case "gone":
      return true;
    case "running":
      return unchangedMs > ABANDONED_MS;
    default:
      // Another host's: its owner refreshes it every second while alive. The age check by
      // `claimedAt` guards against a pause of the owner's; the silence measured here needs no
      // agreement between the hosts' clocks.
      return unchangedMs >= SILENT_MS && Date.now() - claim.claimedAt > STALE_MS;
  }
}

/**
 * Whether `cleanupCollection` may remove a claim it looks at once: its owner's process is gone,
 * or (another host's) it has not been refreshed for a day.
 */
export async function claimIsAbandoned(
  identity: ProcessIdentity,
  store: WritableStore,
  key: AbsolutePath,
): Promise<boolean> {
  const held = await store.get(key);
  if (held === undefined) return false;
  const claim = parseClaim(decoder.decode(held));
  if (claim === undefined) return true;
  const state = ownerState(identity, claim.owner);
  return state === "gone" || (state === "unknown" && Date.now() - claim.claimedAt > ABANDONED_MS);
}

/** Thrown inside `withHashClaim` when the claim was taken over while its holder was paused. */
class LostClaim extends Error {}

/**
 * Runs `commit` holding the claim `key` for the import whose temporary prefix is `owner`.
 * `commit` calls `confirm` right before its rename: it throws the signal's reason once aborted,
 * and if the claim was taken over meanwhile (the holder paused for seconds), the claim is taken
 * again and `commit` runs again. The claim is refreshed every second while held, and released
 * only if it still names `owner`.
 */
export async function withHashClaim<T>(
  identity: ProcessIdentity,
  store: WritableStore,
  key: AbsolutePath,
  owner: AbsolutePath,
  signal: AbortSignal | undefined,
  commit: (confirm: () => Promise<void>) => Promise<T>,
): Promise<T> {
  for (;;) {
    await acquire(identity, store, key, owner, signal);
    const held = hold(store, key, owner);
    try {
      return await commit(async () => {
        signal?.throwIfAborted();
        if (!(await held.stillOurs())) throw new LostClaim();
      });
    } catch (error) {
      if (!(error instanceof LostClaim)) throw error;
    } finally {
      await held.release();
    }
  }
}

async function acquire(
  identity: ProcessIdentity,
  store: WritableStore,
  key: AbsolutePath,
  owner: AbsolutePath,
  signal: AbortSignal | undefined,
): Promise<void> {
  let seen: { text: string; since: number } | undefined;
  for (;;) {
    signal?.throwIfAborted();
    if (await store.createExclusive(key, encodeClaim(owner))) return;
    const held = await store.get(key, signal ? { signal } : undefined);
    if (held === undefined) continue; // released meanwhile
    const text = decoder.decode(held);
    const now = performance.now();
    if (seen?.text !== text) seen = { text, since: now };
    if (isStale(identity, text, now - seen.since)) {
      // Only if it is still the one judged stale: another waiter may have taken it over meanwhile.
      const again = await store.get(key);
      if (again !== undefined && decoder.decode(again) === text) await store.remove(key);
      seen = undefined;
    } else {
      await sleep(POLL_MS, signal);
    }
  }
}

function encodeClaim(owner: AbsolutePath): Uint8Array {
  return encoder.encode(JSON.stringify({ owner, claimedAt: Date.now() } satisfies ClaimDocument));
}

/** Keeps a taken claim fresh until `release`. */
function hold(store: WritableStore, key: AbsolutePath, owner: AbsolutePath) {
  const namesOwner = async () => {
    const held = await store.get(key);
    return held !== undefined && parseClaim(decoder.decode(held))?.owner === owner;
  };
  let lost = false;
  let refreshing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    refreshing = refreshing
      .then(async () => {
        if (lost) return;
        if (await namesOwner()) await store.set(key, encodeClaim(owner));
        else lost = true;
      })
      .catch(() => undefined); // a failed refresh is retried by the next tick
  }, REFRESH_MS);
  return {
    async stillOurs(): Promise<boolean> {
      await refreshing;
      return !lost && (await namesOwner());
    },
    /** Best effort: a claim left behind is taken over once its owner is gone. */
    async release(): Promise<void> {
      clearInterval(timer);
      await refreshing;
      try {
        if (await namesOwner()) await store.remove(key);
      } catch {
        // Left for the next import of the file or cleanupCollection.
      }
    },
  };
}

/** Waits `ms`, or rejects with the signal's reason as soon as it is aborted. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
