// A small seeded generator (mulberry32): the fuzzer's inputs must be the same on every run with
// the same seed, on any machine, so Math.random is not used anywhere in the fuzzer.

/** A generator of numbers in [0, 1) from a 32-bit seed, with helpers for the mutators. */
export function seededRandom(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (minInclusive, maxExclusive) => minInclusive + Math.floor(next() * (maxExclusive - minInclusive));
  return {
    next,
    /** An integer in [minInclusive, maxExclusive). */
    int,
    /** One element of a non-empty array. */
    pick: (items) => items[int(0, items.length)],
    /** True with probability p. */
    chance: (p) => next() < p,
    /** A byte length skewed towards small values (most edits are small; some are not). */
    smallLength: (max) => Math.min(max, 1 + Math.floor(next() ** 3 * max)),
  };
}

/** The seed of input `inputNumber` of a run with seed `runSeed`: each input is reproducible alone. */
export function inputSeed(runSeed, inputNumber) {
  let h = (runSeed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ inputNumber, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
