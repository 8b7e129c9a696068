import type { IndexProblem } from "./index-data.ts";
import type { PageTable } from "./stitch.ts";

/** The pages of one stream to use, in file order, and what was left out and why. */
export interface PageSelection {
  pages: number[];
  /** Problems for the pages left out; their sample positions are filled in once rows exist. */
  problems: IndexProblem[];
}

type Read = (byteOffset: number, byteLength: number) => Promise<Uint8Array>;

/**
 * Chooses the pages of one stream that make up its one forward walk: the longest run of pages
 * whose sequence numbers rise (earliest copies first), so that a page written twice, a run of
 * pages repeated by a bad concatenation or a page out of place is left out instead of counted
 * twice or taken for a gap. Pages left out are compared byte for byte with the kept page of the
 * same number: an identical copy loses nothing; when a different page sits where the kept one
 * could equally belong, neither is trusted and the place becomes a hole.
 *
 * Streams whose sequence numbers already rise (every file without this damage) pass at the
 * cost of one comparison per page. Sequence numbers are taken as they are: a stream that wraps
 * past 2^32 pages is not supported.
 */
export async function selectPages(table: PageTable, pages: number[], read: Read): Promise<PageSelection> {
  const n = pages.length;
  const sequence = (i: number) => table.sequence[pages[i]!]!;
  let rising = true;
  for (let i = 1; i < n && rising; i++) rising = sequence(i) > sequence(i - 1);
  if (rising) return { pages, problems: [] };

  // Longest strictly rising subsequence (patience sorting): tails[k] is the position of the
  // smallest last sequence number of a rising run of length k + 1. An equal number does not
  // replace a tail, so of identical candidates the earliest is kept.
  const tails: number[] = [];
  const before = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const s = sequence(i);
    let low = 0;
    let high = tails.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (sequence(tails[mid]!) < s) low = mid + 1;
      else high = mid;
    }
    if (low < tails.length && sequence(tails[low]!) === s) continue;
    before[i] = low > 0 ? tails[low - 1]! : -1;
    tails[low] = i;
  }
  const kept = new Uint8Array(n);
  for (let i = tails.length > 0 ? tails[tails.length - 1]! : -1; i >= 0; i = before[i]!) kept[i] = 1;

  const keptBySequence = new Map<number, number>();
  for (let i = 0; i < n; i++) if (kept[i]) keptBySequence.set(sequence(i), i);
  const serial = table.serial[pages[0]!]!;
  const offset = (i: number) => table.byteOffset[pages[i]!]!;
  const length = (i: number) => table.byteLength[pages[i]!]!;
  const bytesOf = (i: number) => read(offset(i), length(i));
  /** The kept pages next to position i in the file, by sequence number. */
  const neighbours = (i: number) => {
    let previous = -1;
    let next = -1;
    for (let j = i - 1; j >= 0; j--)
      if (kept[j]) {
        previous = j;
        break;
      }
    for (let j = i + 1; j < n; j++)
      if (kept[j]) {
        next = j;
        break;
      }
    return { previous, next };
  };
  /** "after page 3, before page 4", or only the side that has one (`both` false: only the first). */
  const where = (i: number, both = true) => {
    const { previous, next } = neighbours(i);
    const parts = [];
    if (previous >= 0) parts.push(`after page ${sequence(previous)}`);
    if (next >= 0) parts.push(`before page ${sequence(next)}`);
    return (both ? parts : parts.slice(0, 1)).join(", ");
  };

  const problem = (i: number, byteLength: number, code: IndexProblem["code"], message: string): IndexProblem => ({
    code,
    message,
    byteOffset: offset(i),
    byteLength,
    startSample: 0,
    endSample: 0,
  });
  /** Identical copies, merged into runs when they follow each other and copy a run. */
  const copies: { at: number; original: number; early: boolean }[] = [];
  const problems: IndexProblem[] = [];
  const distrusted = new Set<number>();
  for (let i = 0; i < n; i++) {
    if (kept[i]) continue;
    const s = sequence(i);
    const k = keptBySequence.get(s);
    if (k === undefined) {
      problems.push(
        problem(
          i,
          length(i),
          "misplaced-page",
          `page ${s} of stream ${serial} is out of order (${where(i)}); it is skipped`,
        ),
      );
      continue;
    }
    const [mine, theirs] = await Promise.all([bytesOf(i), bytesOf(k)]);
    if (sameBytes(mine, theirs)) {
      copies.push({ at: i, original: k, early: i < k });
      continue;
    }
    // A different page with the same number: if it lies where the kept one could belong too,
    // nothing tells which is the stream's.
    const around = neighbours(k);
    const inPlace = (around.previous < 0 || around.previous < i) && (around.next < 0 || i < around.next);
    if (inPlace) {
      distrusted.add(k);
      const first = Math.min(i, k);
      const second = Math.max(i, k);
      problems.push(
        problem(
          first,
          length(first),
          "duplicate-page",
          `the pages at bytes ${offset(first)} and ${offset(second)} both claim to be page ${s} of stream ${serial}, with different bytes; neither is used`,
        ),
      );
    } else {
      problems.push(
        problem(
          i,
          length(i),
          "duplicate-page",
          `the page at byte ${offset(i)} claims to be page ${s} of stream ${serial}, like the page at byte ${offset(k)}, but its bytes differ and it is out of order (${where(i, false)}); it is skipped`,
        ),
      );
    }
  }
  for (const k of distrusted) kept[k] = 0;
  problems.push(...copyProblems(copies, serial, sequence, offset, length, where));
  const chosen: number[] = [];
  for (let i = 0; i < n; i++) if (kept[i]) chosen.push(pages[i]!);
  return { pages: chosen, problems };
}

/** One problem per run of identical copies that follow each other in the file and copy a run. */
function copyProblems(
  copies: { at: number; original: number; early: boolean }[],
  serial: number,
  sequence: (i: number) => number,
  offset: (i: number) => number,
  length: (i: number) => number,
  where: (i: number, both?: boolean) => string,
): IndexProblem[] {
  const problems: IndexProblem[] = [];
  for (let a = 0; a < copies.length; ) {
    let b = a;
    while (
      b + 1 < copies.length &&
      copies[b + 1]!.at === copies[b]!.at + 1 &&
      copies[b + 1]!.original === copies[b]!.original + 1 &&
      copies[b + 1]!.early === copies[a]!.early &&
      offset(copies[b + 1]!.at) === offset(copies[b]!.at) + length(copies[b]!.at)
    ) {
      b++;
    }
    const first = copies[a]!;
    const last = copies[b]!;
    const byteLength = offset(last.at) + length(last.at) - offset(first.at);
    const order = first.early ? `, out of order (${where(first.at, false)})` : "";
    const message =
      a === b
        ? `page ${sequence(first.at)} of stream ${serial} repeats the page at byte ${offset(first.original)} byte for byte${order}; the copy is skipped, no samples are lost`
        : `pages ${sequence(first.at)}-${sequence(last.at)} of stream ${serial} repeat the pages at bytes ${offset(first.original)}-${offset(last.original) + length(last.original) - 1} byte for byte${order}; the copies are skipped, no samples are lost`;
    problems.push({
      code: "duplicate-page",
      message,
      byteOffset: offset(first.at),
      byteLength,
      startSample: 0,
      endSample: 0,
    });
    a = b + 1;
  }
  return problems;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
