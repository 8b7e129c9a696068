// Shrinks a failing input while it still fails the same way (the same signature): first whole
// Ogg pages are dropped (most findings need a few pages: the headers and the one edited), then
// byte ranges of halving sizes (delta debugging), then the tail is cut. Bounded in time: a
// finding is kept as it is when the time runs out.
import { readPages } from "@granule/ogg-pages";

function without(bytes, from, to) {
  const out = new Uint8Array(bytes.length - (to - from));
  out.set(bytes.subarray(0, from));
  out.set(bytes.subarray(to), from);
  return out;
}

export async function minimize(bytes, { stillFails, seconds }) {
  const deadline = performance.now() + seconds * 1000;
  const inTime = () => performance.now() < deadline;
  let smallest = bytes;

  // Pages, from the last to the first (so offsets of the pages still to try stay valid).
  const pages = [...readPages(smallest)].map((p) => [p.byteOffset, p.byteOffset + p.byteLength]);
  for (let i = pages.length - 1; i >= 0 && inTime(); i--) {
    const [from, to] = pages[i];
    const candidate = without(smallest, from, to);
    if (await stillFails(candidate)) smallest = candidate;
  }

  // Byte ranges, largest first.
  for (let size = Math.max(1, smallest.length >> 1); size >= 1 && inTime(); size >>= 1) {
    for (let from = smallest.length - size; from >= 0 && inTime(); from -= size) {
      const candidate = without(smallest, from, from + size);
      if (await stillFails(candidate)) smallest = candidate;
    }
    if (size === 1) break;
  }
  return smallest;
}
