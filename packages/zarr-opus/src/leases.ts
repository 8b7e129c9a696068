import { type AbsolutePath, lastSegment, randomSuffix, type WritableStore } from "./store.ts";

/**
 * Who made a temporary name, and whether it is abandoned (docs/format.md, "Writing"). The
 * names this package gives to what it writes for a while: hidden prefixes of imports and
 * deletions in progress (`.importing-<owner>-<12 hex>`, `.deleting-<owner>-<12 hex>`), claims
 * (`.claim-<sha256>`, see hash-claim.ts), and the temporary objects of an atomic write
 * (`<name>.<owner>-<12 hex>.tmp`, made by the directory store). `<owner>` is
 * `<host>-<process id>` where the runtime can say, so that a later process tells whether the
 * one that made it still runs. Stores know nothing of this: they only store bytes.
 */

export type OwnerState = "running" | "gone" | "unknown";

/** `importing` and `deleting` prefixes hold a recording on its way; `scratch` a caller's files (an encoded WAV before its import). */
export type TemporaryPurpose = "importing" | "deleting" | "scratch";

/** A temporary thing older than this is abandoned whatever its owner seems to be (a process id may be in use again). */
export const ABANDONED_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * What the runtime says about processes. Node: the host name, this process's id, and whether a
 * process id runs. Elsewhere there is one process per page or worker, and nothing can be asked
 * about others: `host` is random, `pid` 0, `runs` absent.
 */
export interface ProcessIdentity {
  readonly host: string;
  readonly pid: number;
  runs?(pid: number): boolean;
}

export const anonymousIdentity: ProcessIdentity = { host: `js${randomSuffix()}`, pid: 0 };

/**
 * Temporary names in use by this process. A process-wide fact (not per store or collection:
 * two collection objects over one directory share it), kept in this one place.
 */
const inUse = new Set<string>();

const OWNED_PREFIX = /^\.(importing|deleting|scratch)-([A-Za-z0-9]+)-(\d+)-[0-9a-f]{12}$/;
/** Prefix names of versions that did not name their owner. */
const ANONYMOUS_PREFIX = /^\.(importing|deleting)-[0-9a-f]{12}$/;
/**
 * `<name>.<host>-<pid>-<12 hex>.tmp`, where `<name>` is what the collection and manifest groups
 * hold (`zarr.json`, a claim, the content index's objects), and `zarr.json.<12 hex>.tmp` of earlier versions: exactly these,
 * never a user's own `notes.tmp`.
 */
const OWNED_TMP =
  /^(?:zarr\.json|\.claim-[0-9a-f]{64}|highest-numeric-id|[0-9a-f]{64})\.([A-Za-z0-9]+)-(\d+)-[0-9a-f]{12}\.tmp$/;
const ANONYMOUS_TMP = /^zarr\.json\.[0-9a-f]{12}\.tmp$/;

/** The `<host>-<pid>` of names made by `identity`. */
export function ownerTag(identity: ProcessIdentity): string {
  return `${identity.host}-${identity.pid}`;
}

/** A fresh name for a temporary prefix, in use until `releaseTemporary`. */
export function temporaryName(identity: ProcessIdentity, purpose: TemporaryPurpose): string {
  const name = `.${purpose}-${ownerTag(identity)}-${randomSuffix()}`;
  inUse.add(name);
  return name;
}

/** The temporary prefix `key` is no longer in use by this process (moved or removed). */
export function releaseTemporary(key: string): void {
  inUse.delete(lastSegment(key));
}

/** Whether `name` is one this package makes for a temporary prefix or object. */
export function isTemporaryPrefixName(name: string): boolean {
  return OWNED_PREFIX.test(name) || ANONYMOUS_PREFIX.test(name);
}

export function isTemporaryObjectName(name: string): boolean {
  return OWNED_TMP.test(name) || ANONYMOUS_TMP.test(name);
}

/**
 * Whether the process that made the temporary prefix or object `key` (or the import that holds
 * a claim, by its prefix) still runs: `running`, `gone`, or `unknown` when this process cannot
 * tell (another host's, or a name without an owner).
 */
export function ownerState(identity: ProcessIdentity, key: string): OwnerState {
  const name = lastSegment(key);
  if (inUse.has(name)) return "running";
  const owned = OWNED_PREFIX.exec(name);
  const tmp = owned === null ? OWNED_TMP.exec(name) : null;
  const host = owned?.[2] ?? tmp?.[1];
  const pid = Number(owned?.[3] ?? tmp?.[2]);
  if (host === undefined || host !== identity.host) {
    // A prefix without an owner in its name was made by a memory store of an earlier version:
    // one process only, so one not in use is gone.
    return ANONYMOUS_PREFIX.test(name) && identity.runs === undefined ? "gone" : "unknown";
  }
  if (pid === identity.pid) {
    // Ours: a prefix not in use is left over; a temporary object is being written right now
    // (writes remove their own on failure).
    return tmp !== null ? "running" : "gone";
  }
  if (identity.runs === undefined) return "unknown";
  return identity.runs(pid) ? "running" : "gone";
}

/**
 * Whether a temporary prefix or object was left by a process that no longer runs: its owner is
 * `gone`, or it is older than a day (another host's, or a process id in use again), by the
 * modification time the store gives it. A store that keeps no times never ages anything out.
 */
export async function isAbandoned(
  identity: ProcessIdentity,
  store: WritableStore,
  key: AbsolutePath,
): Promise<boolean> {
  const state = ownerState(identity, key);
  if (state === "gone") return true;
  if (inUse.has(lastSegment(key))) return false;
  const modified = await store.modifiedAt?.(key).catch(() => undefined);
  return modified !== undefined && Date.now() - modified > ABANDONED_AFTER_MS;
}
