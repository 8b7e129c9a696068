import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../../node_modules/.bin/granule", import.meta.url));
export const fixture = (name: string) => fileURLToPath(new URL(`../../../fixtures/${name}`, import.meta.url));
export const example = fileURLToPath(new URL("../../../examples/dawn-chorus.opus", import.meta.url));

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  bytes: Buffer;
}

/** Runs the installed `granule` binary, as a user would. */
export function granule(args: string[], cwd?: string): Run {
  const result = spawnSync(BIN, args, { cwd, encoding: "buffer", env: { ...process.env, FORCE_COLOR: "0" } });
  return {
    code: result.status ?? -1,
    stdout: result.stdout.toString("utf8"),
    stderr: result.stderr.toString("utf8"),
    bytes: result.stdout,
  };
}

/** Like `granule`, without blocking this process: needed when this process serves the child (HTTP). */
export function granuleAsync(args: string[], cwd?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { cwd, env: { ...process.env, FORCE_COLOR: "0" } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      const bytes = Buffer.concat(out);
      resolve({ code: code ?? -1, stdout: bytes.toString("utf8"), stderr: Buffer.concat(err).toString("utf8"), bytes });
    });
  });
}

/** The data chunk of a WAV file: its size and format fields. */
export function wavInfo(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 12;
  const info = { format: 0, channels: 0, sampleRate: 0, bits: 0, dataBytes: 0 };
  while (at + 8 <= bytes.length) {
    const id = String.fromCharCode(...bytes.subarray(at, at + 4));
    const size = view.getUint32(at + 4, true);
    if (id === "fmt ") {
      info.format = view.getUint16(at + 8, true);
      info.channels = view.getUint16(at + 10, true);
      info.sampleRate = view.getUint32(at + 12, true);
      info.bits = view.getUint16(at + 22, true);
    }
    if (id === "data") info.dataBytes = size;
    at += 8 + size + (size & 1);
  }
  return info;
}
