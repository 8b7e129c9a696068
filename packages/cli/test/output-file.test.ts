import { pbkdf2 } from "node:crypto";
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openOutput, writeOutput } from "../src/output-file.ts";
import { UsageError } from "../src/usage-error.ts";

const folders: string[] = [];
const folder = () => {
  const dir = mkdtempSync(join(tmpdir(), "granule-output-"));
  folders.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Bytes 0, 1, 2, ... (mod 251, so that a piece written at the wrong place shows). */
const pattern = (length: number, from = 0) => {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (from + i) % 251;
  return bytes;
};
/** Whether a file holds exactly `bytes` (compared natively: vitest's deep equality takes seconds a megabyte). */
const holds = (path: string, bytes: Uint8Array) => Buffer.compare(readFileSync(path), bytes) === 0;

describe("output files (written synchronously up to 1 MiB, on the thread pool above)", () => {
  it("small and large outputs hold exactly their bytes, under their name, with no temporary left", async () => {
    const dir = folder();
    for (const length of [0, 1, 200_000, 1024 * 1024, 1024 * 1024 + 1, 5_000_000]) {
      await writeOutput(join(dir, `out-${length}`), pattern(length), { overwrite: false });
      expect(holds(join(dir, `out-${length}`), pattern(length))).toBe(true);
    }
    expect(readdirSync(dir).filter((name) => name.startsWith("."))).toEqual([]);
  });

  it("pieces written at offsets, out of order and at once, land where they were written", async () => {
    const dir = folder();
    const path = join(dir, "stack.npy");
    const output = await openOutput(path, { overwrite: false });
    const piece = 1_500_000; // above the synchronous size: these writes overlap on the thread pool
    const order = [3, 0, 2, 1];
    await Promise.all(order.map((k) => output.writeAt(pattern(piece, k * piece), k * piece)));
    await output.close();
    expect(holds(path, pattern(4 * piece))).toBe(true);
  });

  it("an abort while a large write waits for the thread pool closes the file only after it, so the next output keeps its bytes", async () => {
    const dir = folder();
    const large = pattern(8_000_000); // made first: the pool must still be busy when it is written
    // Keep the thread pool busy (4 threads by default; 8 long jobs did not hold it), so that the
    // write below waits in its queue.
    const busy = Array.from(
      { length: 64 },
      () => new Promise((resolve) => pbkdf2("x", "salt", 40_000, 64, "sha512", resolve)),
    );
    const first = await openOutput(join(dir, "first.f32"), { overwrite: false });
    const writing = first.write(large).catch((error: unknown) => error);
    const aborting = first.abort();
    // Opened before the queued write has run: had the abort closed the first file's descriptor
    // at once, this one would get its number, and the queued write would land in it.
    const second = await openOutput(join(dir, "second.f32"), { overwrite: false });
    await Promise.all([...busy, writing, aborting]);
    await second.write(pattern(1000, 7));
    await second.close();
    expect(readdirSync(dir)).toEqual(["second.f32"]);
    expect(holds(join(dir, "second.f32"), pattern(1000, 7))).toBe(true);
  });

  it("an existing name is refused before any work, and one that appears meanwhile at the end, leaving it as it was", async () => {
    const dir = folder();
    const path = join(dir, "taken.wav");
    writeFileSync(path, "someone else's");
    await expect(openOutput(path, { overwrite: false })).rejects.toThrow(UsageError);
    const late = join(dir, "late.wav");
    const output = await openOutput(late, { overwrite: false });
    await output.write(pattern(10));
    writeFileSync(late, "appeared");
    await expect(output.close()).rejects.toThrow(/appeared while it was being written/);
    expect(readFileSync(late, "utf8")).toBe("appeared");
    expect(readdirSync(dir).sort()).toEqual(["late.wav", "taken.wav"]);
  });

  it("with overwrite, replaces the file, and a link in its place rather than what the link points to", async () => {
    const dir = folder();
    const path = join(dir, "out.wav");
    writeFileSync(path, "old");
    await writeOutput(path, pattern(3000), { overwrite: true });
    expect(holds(path, pattern(3000))).toBe(true);
    const elsewhere = join(folder(), "precious.wav");
    writeFileSync(elsewhere, "keep me");
    const linked = join(dir, "linked.wav");
    symlinkSync(elsewhere, linked);
    await writeOutput(linked, pattern(2000), { overwrite: true });
    expect(lstatSync(linked).isSymbolicLink()).toBe(false);
    expect(holds(linked, pattern(2000))).toBe(true);
    expect(readFileSync(elsewhere, "utf8")).toBe("keep me");
    expect(readdirSync(dir).sort()).toEqual(["linked.wav", "out.wav"]);
  });
});
