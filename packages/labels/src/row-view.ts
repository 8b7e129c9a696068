import type { LabelRow } from "./row.ts";

/** Rows a reader can make one at a time, by position, from the table's text. */
export interface RowSource {
  readonly length: number;
  /** A new object for row `i` (0 <= i < length), the same values every time. */
  row(i: number): LabelRow;
  /** Row `i` without its fields (for passes over the rows that read none of them). */
  light?(i: number): LabelRow;
  /** The names of every row's fields, in order, when every row has the same (tables with a header). */
  readonly fieldNames?: readonly string[] | undefined;
  /** The rows' recordings, each once in first-seen order, as WriteContext.recordings gives them, when known. */
  readonly recordings?: readonly (string | undefined)[] | undefined;
  /** Whether some row names its recording's archive id, when known. */
  readonly recordingIds?: boolean | undefined;
}

/** The recordings of rows, noted as a reader checks them (see RowSource.recordings). */
export class RecordingNotes {
  private readonly keys = new Set<string | undefined>();
  private last: string | undefined | null = null;
  ids = false;

  note(row: LabelRow): void {
    const ref = row.recording;
    const key = ref?.path ?? ref?.file ?? ref?.id;
    if (key !== this.last) this.keys.add(key);
    this.last = key;
    if (ref?.id !== undefined) this.ids = true;
  }

  /** What a RowSource says of its recordings. */
  get facts(): { recordings: (string | undefined)[]; recordingIds: boolean } {
    return { recordings: [...this.keys], recordingIds: this.ids };
  }
}

/** Tables of more rows than this are read as a view by default: no object per row until one is asked for. */
export const VIEW_ABOVE = 50_000;

/** How a table's rows are held (see ReadOptions.rows). */
export type RowsMode = "array" | "view";

const views = new WeakMap<object, RowSource>();

/** The rows of a source: an array of them all, or a view. */
export function tableRows(source: RowSource, mode: RowsMode | undefined): LabelRow[] {
  if ((mode ?? (source.length > VIEW_ABOVE ? "view" : "array")) === "array") {
    const rows: LabelRow[] = [];
    for (let i = 0; i < source.length; i++) rows.push(source.row(i));
    return rows;
  }
  return rowView(source);
}

/**
 * Rows as they are now, read without the view's proxy (for the writers, which read every row
 * several times): the view's own rows, or an array's.
 */
export function rowReader(rows: readonly LabelRow[]): RowSource {
  const view = views.get(rows);
  if (view !== undefined) return view;
  const row = (i: number) => rows[i]!;
  return {
    get length() {
      return rows.length;
    },
    row,
    light: row,
  };
}

/**
 * The rows, each through `place` (which gets row `i` and `i`, and must not change the row it
 * gets: return a new one): an array for an array, and for a view a view again, whose rows are
 * placed when read, so a table of millions of rows is never held as objects to be rewritten
 * (`granule labels convert --archive` fills in each row's recording this way). `place` may be
 * called for the same row more than once, with a new object each time, and must give the same
 * values; it also gets rows without their fields (for passes that read none). Rows set into
 * `rows` later are not promised to show.
 */
export function mapRows(rows: readonly LabelRow[], place: (row: LabelRow, i: number) => LabelRow): LabelRow[] {
  const source = views.get(rows);
  if (source === undefined) return rows.map(place);
  return rowView({
    length: source.length,
    row: (i) => place(source.row(i), i),
    light: (i) => place(source.light === undefined ? source.row(i) : source.light(i), i),
    // The fields stay; the recordings are the placing's to say (none known).
    get fieldNames() {
      return source.fieldNames;
    },
  });
}

/** A property key that is an array index, as a number; else -1. */
function indexOf(key: string | symbol): number {
  if (typeof key !== "string") return -1;
  const n = key.length;
  if (n === 0 || n > 10 || (n > 1 && key.charCodeAt(0) === 48)) return -1;
  let value = 0;
  for (let i = 0; i < n; i++) {
    const d = key.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value < 4294967295 ? value : -1;
}

const HOLE: unique symbol = Symbol("hole");

/**
 * An array (Array.isArray holds) whose rows are made when read: `rows[i]` is a new object each
 * time, with the values a row read into an array has. Everything arrays do works (length,
 * iteration, map, slice, JSON...); rows set, pushed or sorted into it are kept as given.
 * About 8 bytes a row besides the text, which the source keeps, against some 900 for objects.
 */
function rowView(source: RowSource): LabelRow[] {
  let length = source.length;
  /** Rows below this, unless changed, are the source's (shrinking the array drops the rest for good). */
  let fromSource = source.length;
  let changed: Map<number, LabelRow | typeof HOLE> | undefined;

  const present = (i: number) => {
    if (i >= length) return false;
    const entry = changed?.get(i);
    return entry === undefined ? i < fromSource : entry !== HOLE;
  };
  const element = (i: number): LabelRow | undefined => {
    if (i >= length) return undefined;
    if (changed !== undefined) {
      const entry = changed.get(i);
      if (entry !== undefined) return entry === HOLE ? undefined : entry;
    }
    return i < fromSource ? source.row(i) : undefined;
  };
  const setLength = (value: unknown) => {
    const next = Number(value);
    if (!Number.isInteger(next) || next < 0 || next > 4294967295) throw new RangeError("Invalid array length");
    if (next < length) {
      fromSource = Math.min(fromSource, next);
      if (changed !== undefined) for (const i of [...changed.keys()]) if (i >= next) changed.delete(i);
    }
    length = next;
  };
  const set = (i: number, value: LabelRow) => {
    changed ??= new Map();
    changed.set(i, value);
    if (i >= length) length = i + 1;
  };

  const target: LabelRow[] = [];
  // Node's console shows a proxy's target: show some rows instead of an empty array.
  Object.defineProperty(target, Symbol.for("nodejs.util.inspect.custom"), {
    value: (_depth: number, options: object, inspect: (value: unknown, options: object) => string) => {
      const shown = Array.from({ length: Math.min(length, 100) }, (_, i) => element(i));
      const text = inspect(shown, options);
      return length > shown.length ? `${text.slice(0, -2)},\n  ... ${length - shown.length} more items\n]` : text;
    },
  });
  const proxy = new Proxy(target, {
    get(t, key, receiver) {
      const i = indexOf(key);
      if (i !== -1) return element(i);
      if (key === "length") return length;
      return Reflect.get(t, key, receiver);
    },
    set(t, key, value, receiver) {
      const i = indexOf(key);
      if (i !== -1) {
        set(i, value);
        return true;
      }
      if (key === "length") {
        setLength(value);
        return true;
      }
      return Reflect.set(t, key, value, receiver);
    },
    has(t, key) {
      const i = indexOf(key);
      if (i !== -1) return present(i);
      return Reflect.has(t, key);
    },
    deleteProperty(t, key) {
      const i = indexOf(key);
      if (i === -1) return Reflect.deleteProperty(t, key);
      if (i < length) {
        changed ??= new Map();
        changed.set(i, HOLE);
      }
      return true;
    },
    ownKeys(t) {
      const keys: (string | symbol)[] = [];
      for (let i = 0; i < length; i++) if (present(i)) keys.push(String(i));
      return [...keys, ...Reflect.ownKeys(t)];
    },
    getOwnPropertyDescriptor(t, key) {
      const i = indexOf(key);
      if (i !== -1) {
        return present(i) ? { value: element(i), writable: true, enumerable: true, configurable: true } : undefined;
      }
      if (key === "length") return { value: length, writable: true, enumerable: false, configurable: false };
      return Reflect.getOwnPropertyDescriptor(t, key);
    },
    defineProperty(t, key, descriptor) {
      const i = indexOf(key);
      if (i !== -1) {
        if (!("value" in descriptor)) return false;
        set(i, descriptor.value);
        return true;
      }
      if (key === "length") {
        if ("value" in descriptor) setLength(descriptor.value);
        return true;
      }
      return Reflect.defineProperty(t, key, descriptor);
    },
  });
  const unchanged = () => changed === undefined && fromSource === length;
  views.set(proxy, {
    get length() {
      return length;
    },
    row: (i) => element(i)!,
    light: (i) =>
      source.light !== undefined && (changed === undefined || !changed.has(i)) && i < fromSource
        ? source.light(i)
        : element(i)!,
    get fieldNames() {
      return unchanged() ? source.fieldNames : undefined;
    },
    get recordings() {
      return unchanged() ? source.recordings : undefined;
    },
    get recordingIds() {
      return unchanged() ? source.recordingIds : undefined;
    },
  });
  return proxy;
}
