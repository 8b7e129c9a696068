import { sha256 } from "@noble/hashes/sha2.js";

/** An incremental SHA-256. The Node entry uses node:crypto (native, several times faster). */
export interface Sha256 {
  update(bytes: Uint8Array): void;
  /** The digest as 64 lower-case hex digits; call once, at the end. */
  digestHex(): string;
}

export type Sha256Factory = () => Sha256;

/** Pure JavaScript SHA-256 (@noble/hashes), for runtimes without node:crypto. */
export const jsSha256: Sha256Factory = () => {
  const hash = sha256.create();
  return {
    update: (bytes) => {
      hash.update(bytes);
    },
    digestHex: () => toHex(hash.digest()),
  };
};

export function toHex(bytes: Uint8Array): string {
  let hex = "";
  for (let i = 0; i < bytes.length; i++) hex += bytes[i]!.toString(16).padStart(2, "0");
  return hex;
}
