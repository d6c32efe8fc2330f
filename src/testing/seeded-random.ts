/**
 * Small seeded pseudo-random numbers for stress runs: repeatable from a 32-bit seed, cheap to
 * create once per round and per actor, and the same in every thread. Not for cryptography.
 */

/** Weyl increment (2^32 divided by the golden ratio): odd, so the sequence visits all 2^32 states. */
const GOLDEN_GAMMA = 0x9e3779b9;

/**
 * Mixes the bits of a 32-bit integer so that nearby inputs give unrelated outputs. It is the
 * finalizer (`fmix32`) of Austin Appleby's MurmurHash3, a bijection on 32-bit integers.
 */
export function mix32(value: number): number {
  let x = value >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * Derives an unsigned 32-bit seed for item `index` (a round, an actor) from `seed`. The value
 * depends only on the two arguments, so round 500 of a run can be reproduced without rounds
 * 0 to 499.
 */
export function deriveSeed(seed: number, index: number): number {
  return mix32((seed ^ mix32(Math.imul(index + 1, GOLDEN_GAMMA))) >>> 0);
}

/**
 * Creates a generator of numbers in [0, 1) from an unsigned 32-bit seed: a Weyl sequence passed
 * through {@link mix32}. Two generators with the same seed return the same sequence.
 */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + GOLDEN_GAMMA) >>> 0;
    return mix32(state) / 2 ** 32;
  };
}

/** Returns a random permutation of 0 to `length` - 1, drawn from `random` (Fisher-Yates). */
export function permutation(length: number, random: () => number): number[] {
  const order = Array.from({ length }, (_, index) => index);
  for (let i = length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swapped = order[i] as number;
    order[i] = order[j] as number;
    order[j] = swapped;
  }
  return order;
}
