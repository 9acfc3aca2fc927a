// The benches' deterministic data: a seeded PRNG (mulberry32) and rounding to
// six decimals, shared by the JSONL contract bench (contracts.mjs) and the
// tables bench (tabular.mjs) so both generate rows the same way.

/** A PRNG in [0, 1), a function of its seed only. */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `x` rounded to six decimals. */
export const r6 = (x) => Math.round(x * 1e6) / 1e6;
