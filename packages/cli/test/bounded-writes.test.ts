// Output files written a few at a time: the limit holds, a failure is not lost, and nothing
// is left running when an error leaves.
import { describe, expect, it } from "vitest";
import { BoundedWrites } from "../src/bounded-writes.ts";

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A write that finishes (or fails) when told to. */
function gate() {
  let finish!: () => void;
  let fail!: (error: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return { done, finish, fail };
}

describe("BoundedWrites", () => {
  it("starts no more than its limit at once, and the next as soon as one ends", async () => {
    const writes = new BoundedWrites(2);
    const gates = [gate(), gate(), gate()];
    let running = 0;
    let most = 0;
    const start = (k: number) => async () => {
      running++;
      most = Math.max(most, running);
      await gates[k]!.done;
      running--;
    };
    await writes.add(start(0));
    await writes.add(start(1));
    let third = false;
    const adding = writes.add(start(2)).then(() => {
      third = true;
    });
    await tick();
    expect(third).toBe(false); // waits for room
    gates[0]!.finish();
    await adding;
    expect(third).toBe(true);
    gates[1]!.finish();
    gates[2]!.finish();
    await writes.drain();
    expect(most).toBe(2);
    expect(running).toBe(0);
  });

  it("throws a write's failure from the next add, and from drain", async () => {
    const writes = new BoundedWrites(4);
    const failing = gate();
    await writes.add(() => failing.done);
    failing.fail(new Error("disk full"));
    await tick();
    await expect(writes.add(async () => {})).rejects.toThrow("disk full");
    await expect(writes.drain()).rejects.toThrow("disk full");
  });

  it("settle waits for every write, failed or not, and throws nothing", async () => {
    const writes = new BoundedWrites(4);
    const slow = gate();
    let finished = false;
    await writes.add(async () => {
      await slow.done;
      finished = true;
    });
    await writes.add(async () => {
      throw new Error("no room");
    });
    const settling = writes.settle();
    await tick();
    expect(finished).toBe(false);
    slow.finish();
    await settling;
    expect(finished).toBe(true);
  });
});
