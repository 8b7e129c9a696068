import { LabelError } from "./errors.ts";

/**
 * Text of a table given as bytes: UTF-16 when it starts with a UTF-16 byte order mark (a
 * spreadsheet's "Unicode text" export), else strict UTF-8 (a leading UTF-8 BOM is dropped), or
 * the `encoding` asked for (any label TextDecoder knows, e.g. "windows-1252" for a Raven table
 * saved on an old Windows machine). Invalid UTF-8 is an error, not replacement characters.
 */
export function decodeTable(input: string | Uint8Array, file: string, encoding?: string): string {
  if (typeof input === "string") return input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  let label = encoding ?? "utf-8";
  if (encoding === undefined && input.length >= 2) {
    if (input[0] === 0xff && input[1] === 0xfe) label = "utf-16le";
    else if (input[0] === 0xfe && input[1] === 0xff) label = "utf-16be";
  }
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label, { fatal: true });
  } catch (error) {
    throw new LabelError("invalid-argument", `unknown text encoding ${JSON.stringify(label)}`, { file, cause: error });
  }
  try {
    // TextDecoder drops the BOM of its own encoding.
    return decoder.decode(input);
  } catch (error) {
    throw new LabelError(
      "bad-encoding",
      `the bytes are not valid ${label}${firstBadByte(input, label)}; if the table was saved in another encoding, give that encoding (e.g. windows-1252)`,
      { file, cause: error },
    );
  }
}

function firstBadByte(bytes: Uint8Array, label: string): string {
  if (label !== "utf-8") return "";
  const decoder = new TextDecoder("utf-8", { fatal: true });
  // Feed one byte at a time: the byte that makes the stream invalid ends the bad sequence,
  // which starts there or at an unfinished lead byte just before it.
  for (let at = 0; at < bytes.length; at++) {
    try {
      decoder.decode(bytes.subarray(at, at + 1), { stream: true });
    } catch {
      let lead = at - 1;
      while (lead >= 0 && lead >= at - 3 && (bytes[lead]! & 0xc0) === 0x80) lead -= 1;
      const length = lead < 0 ? 0 : bytes[lead]! >= 0xf0 ? 4 : bytes[lead]! >= 0xe0 ? 3 : bytes[lead]! >= 0xc0 ? 2 : 0;
      return ` (byte offset ${length > at - lead ? lead : at})`;
    }
  }
  return " (it ends inside a character)";
}
