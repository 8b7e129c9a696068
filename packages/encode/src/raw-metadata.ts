/** Metadata as found in the container, before it is interpreted (see recorder-metadata.ts). */
export interface RawMetadata {
  /** LIST/INFO entries in file order: a four-character id (`IART`, `ICMT`) and its text. */
  info: Array<{ id: string; text: string }>;
  /** The text of a `guan` chunk (or of one kept in a FLAC `riff` APPLICATION block). */
  guano: string | null;
  /** Where the GUANO text was found. */
  guanoByteOffset: number | null;
  /** FLAC Vorbis comments, `NAME=value` as stored, and the comment block's vendor string. */
  vorbisComments: string[];
  vorbisVendor: string | null;
  /** Chunks (or FLAC blocks) that were skipped, for the description. */
  otherChunks: Array<{ id: string; byteOffset: number; byteLength: number }>;
  /** Which of the above came after the audio data (written at the end of the file). */
  afterAudio: Array<"info" | "guano">;
}

export function emptyRawMetadata(): RawMetadata {
  return {
    info: [],
    guano: null,
    guanoByteOffset: null,
    vorbisComments: [],
    vorbisVendor: null,
    otherChunks: [],
    afterAudio: [],
  };
}

/** Text of a metadata field: UTF-8 when valid, else Latin-1 (old INFO writers); NULs and padding trimmed. */
export function decodeText(bytes: Uint8Array, stopAtNul = true): { text: string; utf8: boolean } {
  let end = bytes.length;
  const nul = stopAtNul ? bytes.indexOf(0) : -1;
  if (nul >= 0) end = nul;
  while (end > 0 && bytes[end - 1] === 0) end--;
  const body = bytes.subarray(0, end);
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(body).trim(), utf8: true };
  } catch {
    let text = "";
    for (let i = 0; i < body.length; i++) text += String.fromCharCode(body[i]!);
    return { text: text.trim(), utf8: false };
  }
}
