// openFile's recording closes its file: by close(), source.close(), or at the end of `await using`.
import { openFile } from "@granule/opus-index/node";
import { describe, expect, it } from "vitest";

const DAWN = new URL("../examples/dawn-chorus.opus", import.meta.url).pathname;

describe("openFile", () => {
  it("closes the file at the end of an `await using` block", async () => {
    let outside: Awaited<ReturnType<typeof openFile>> | undefined;
    {
      await using recording = await openFile(DAWN);
      outside = recording;
      expect(recording.index.totalSamples).toBe(960_000);
      expect((await recording.source.read(0, 4)).length).toBe(4);
    }
    await expect(outside.source.read(0, 4)).rejects.toMatchObject({ code: "EBADF" });
  });

  it("closes it with close(), and closing again is harmless", async () => {
    const recording = await openFile(DAWN);
    expect(typeof recording[Symbol.asyncDispose]).toBe("function");
    await recording.close();
    await expect(recording.source.read(0, 4)).rejects.toMatchObject({ code: "EBADF" });
    await recording.source.close();
    await recording[Symbol.asyncDispose]();
  });
});
