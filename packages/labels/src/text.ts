import { LabelError } from "./errors.ts";

/** What {@link readTable} takes: text, bytes, or bytes in pieces (a large file read a piece at a time). */
export type TableInput = string | Uint8Array | Iterable<Uint8Array>;

/** Bytes are decoded this many at a time: the table's text is then kept as pieces of about this length. */
const CHUNK_BYTES = 4 << 20;

/**
 * Text of a table given as bytes: UTF-16 when it starts with a UTF-16 byte order mark (a
 * spreadsheet's "Unicode text" export), else strict UTF-8 (a leading UTF-8 BOM is dropped), or
 * the `encoding` asked for (any label TextDecoder knows, e.g. "windows-1252" for a Raven table
 * saved on an old Windows machine). Invalid UTF-8 is an error, not replacement characters.
 *
 * The text comes as consecutive pieces (one for a string), decoded a few megabytes at a time:
 * a season of results can be more text than one JavaScript string holds (2^29 characters),
 * and a piece with a character beyond Latin-1 takes two bytes a character without making the
 * other pieces do so.
 */
export function decodeTable(input: TableInput, file: string, encoding?: string): string[] {
  if (typeof input === "string") return [input.charCodeAt(0) === 0xfeff ? input.slice(1) : input];
  const chunks = input instanceof Uint8Array ? chunksOf(input) : input;
  const pieces: string[] = [];
  let decoder: TextDecoder | undefined;
  let label = encoding ?? "utf-8";
  // Bytes decoded so far, and the unfinished character at their end (where a bad sequence may start).
  let decoded = 0;
  let tail: Uint8Array = new Uint8Array(0);
  /** Whether the text's first character has been decoded (a byte order mark is dropped there only). */
  let started = false;
  const decode = (bytes: Uint8Array | undefined) => {
    try {
      // `stream` carries a character cut between chunks. ASCII without such a character, as
      // most tables are, is made one byte a character (TextDecoder's strings take two).
      let text =
        bytes === undefined
          ? decoder!.decode()
          : decoder!.encoding === "utf-8" && tail.length === 0 && isAscii(bytes)
            ? asciiText(bytes)
            : decoder!.decode(bytes, { stream: true });
      // The byte order mark of the encoding, dropped as TextDecoder would (its own dropping
      // would take one at the start of the first chunk it sees, which may be a later one).
      // Only the first character of the text can be one: once a chunk gave text, no later one is looked at.
      if (!started && text.length > 0) {
        started = true;
        if (text.charCodeAt(0) === 0xfeff && BOM_ENCODINGS.has(decoder!.encoding)) text = text.slice(1);
      }
      if (text.length > 0) pieces.push(text);
    } catch (error) {
      const where = firstBadByte(join(tail, bytes ?? new Uint8Array(0)), label, decoded - tail.length);
      throw new LabelError(
        "bad-encoding",
        `the bytes are not valid ${label}${where}; if the table was saved in another encoding, give that encoding (e.g. windows-1252)`,
        { file, cause: error },
      );
    }
    if (bytes === undefined) return;
    decoded += bytes.length;
    tail = unfinishedCharacter(tail, bytes);
  };
  const start = (bytes: Uint8Array) => {
    if (encoding === undefined && bytes.length >= 2) {
      if (bytes[0] === 0xff && bytes[1] === 0xfe) label = "utf-16le";
      else if (bytes[0] === 0xfe && bytes[1] === 0xff) label = "utf-16be";
    }
    try {
      decoder = new TextDecoder(label, { fatal: true, ignoreBOM: true });
    } catch (error) {
      throw new LabelError("invalid-argument", `unknown text encoding ${JSON.stringify(label)}`, {
        file,
        cause: error,
      });
    }
  };
  // The first two bytes show a UTF-16 byte order mark: held (copied) until there are two.
  let head: Uint8Array | undefined;
  for (const chunk of chunks) {
    if (decoder !== undefined) {
      decode(chunk);
      continue;
    }
    const bytes = head === undefined ? chunk : join(head, chunk);
    if (bytes.length < 2) {
      head = bytes.slice();
      continue;
    }
    start(bytes);
    decode(bytes);
  }
  if (decoder === undefined) {
    start(head ?? new Uint8Array(0));
    if (head !== undefined) decode(head);
  }
  decode(undefined);
  return pieces;
}

/**
 * The bytes of a UTF-8 character left unfinished at the end of `bytes` (up to 3), after `before`
 * (the previous chunk's unfinished bytes, for a character cut across three chunks).
 */
function unfinishedCharacter(before: Uint8Array, bytes: Uint8Array): Uint8Array {
  const all = bytes.length >= 3 ? bytes : join(before, bytes);
  const end = all.length;
  for (let at = end - 1; at >= Math.max(0, end - 3); at--) {
    const byte = all[at]!;
    if ((byte & 0xc0) === 0x80) continue;
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return at + length > end ? all.slice(at) : new Uint8Array(0);
  }
  return new Uint8Array(0);
}

/** The encodings whose byte order mark TextDecoder drops. */
const BOM_ENCODINGS = new Set(["utf-8", "utf-16le", "utf-16be"]);

/** Whether bytes are all ASCII (below 0x80), four at a time. */
function isAscii(bytes: Uint8Array): boolean {
  const n = bytes.length;
  let bits = 0;
  let i = 0;
  if (bytes.byteOffset % 4 === 0) {
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, n >> 2);
    for (let k = 0; k < words.length; k++) bits |= words[k]!;
    i = words.length << 2;
  }
  for (; i < n; i++) bits |= bytes[i]!;
  return (bits & 0x80808080) === 0;
}

/** Node's and Bun's Buffer, when there is one: the fastest way to one-byte strings. */
const NodeBuffer = (
  globalThis as {
    Buffer?: {
      from(buffer: ArrayBufferLike, byteOffset: number, length: number): { toString(encoding: string): string };
    };
  }
).Buffer;

/** ASCII bytes as text. */
function asciiText(bytes: Uint8Array): string {
  if (NodeBuffer !== undefined) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("latin1");
  const parts: string[] = [];
  for (let at = 0; at < bytes.length; at += 8192) {
    parts.push(String.fromCharCode.apply(null, bytes.subarray(at, at + 8192) as unknown as number[]));
  }
  return parts.join("");
}

function* chunksOf(bytes: Uint8Array): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += CHUNK_BYTES) yield bytes.subarray(at, at + CHUNK_BYTES);
}

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Where UTF-8 bytes first go wrong, as " (byte offset N)": the byte that makes the stream
 * invalid ends the bad sequence, which starts there or at an unfinished lead byte just before
 * it. Found by bisection: a prefix decodes (as a stream) exactly when it holds no error.
 * `base` is the offset of `bytes` in the whole input; `bytes` starts at a character boundary.
 */
function firstBadByte(bytes: Uint8Array, label: string, base: number): string {
  if (label !== "utf-8") return "";
  const decodes = (length: number) => {
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, length), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  if (decodes(bytes.length)) return " (it ends inside a character)";
  // The shortest prefix that does not decode ends with the byte that makes the stream invalid.
  let good = 0;
  let bad = bytes.length;
  while (bad - good > 1) {
    const mid = Math.floor((good + bad) / 2);
    if (decodes(mid)) good = mid;
    else bad = mid;
  }
  const at = bad - 1;
  let lead = at - 1;
  while (lead >= 0 && lead >= at - 3 && (bytes[lead]! & 0xc0) === 0x80) lead -= 1;
  const length = lead < 0 ? 0 : bytes[lead]! >= 0xf0 ? 4 : bytes[lead]! >= 0xe0 ? 3 : bytes[lead]! >= 0xc0 ? 2 : 0;
  return ` (byte offset ${base + (length > at - lead ? lead : at)})`;
}
