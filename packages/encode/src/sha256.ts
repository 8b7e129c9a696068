import { sha256 } from "@noble/hashes/sha2.js";

/**
 * An incremental SHA-256, the same shape as `@granule/zarr-opus`'s, so one factory serves
 * both (the Node entries plug in node:crypto, several times faster than JavaScript).
 */
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
    digestHex: () => {
      const digest = hash.digest();
      let hex = "";
      for (let i = 0; i < digest.length; i++) hex += digest[i]!.toString(16).padStart(2, "0");
      return hex;
    },
  };
};
