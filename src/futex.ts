import { isMainThread, threadId } from 'node:worker_threads';

import { waitAsyncAlive } from './wait.js';

/**
 * A futex mutex on one Int32 slot that names its holder, as Linux's PI futexes store the
 * holder's thread id in the futex word. The word is 0 when free, else `owner << 1 | waiters`:
 * `owner` is the holder's `threadId + 1` and the low bit is set when a waiter may be asleep.
 *
 * Taking the lock is one compare-and-swap that writes the owner with it, so there is no moment
 * in which the lock is held by nobody known: if the holder's thread dies, the engine can see
 * whose lock it was and free it (see {@link forceUnlock}). Waiters sleep in `Atomics.wait`
 * only after setting the waiters bit, so an unlock that finds the bit clear can skip
 * `Atomics.notify` (Drepper, "Futexes Are Tricky", 2011, mutex 2, with the owner added).
 */

const FREE = 0;
const WAITERS = 1;

/** Rounds of polling before a waiter sleeps: a holder's critical section is usually shorter. */
const SPIN_ROUNDS = 100;

/** Longest time the main thread polls for a lock before it gives up, in milliseconds. */
export const MAIN_THREAD_SPIN_MS = 5;

/** This thread's id in lock words: `threadId + 1`, so that 0 can mean "free". */
export const OWNER_ID = threadId + 1;

const MINE = OWNER_ID << 1;

/** Holder of the lock whose word is `value`: `threadId + 1`, or 0 when free. */
export function ownerOf(value: number): number {
  return value >>> 1;
}

/** Takes the lock if it is free, without waiting. Returns `true` if this thread now holds it. */
export function tryLock(view: Int32Array, at: number): boolean {
  return Atomics.compareExchange(view, at, FREE, MINE) === FREE;
}

/**
 * Takes the lock, waiting at most `timeoutMs` milliseconds. Returns `true` once this thread
 * holds it and `false` on timeout.
 *
 * Worker threads sleep in `Atomics.wait`. The main thread must not block its event loop, so it
 * only polls, for at most {@link MAIN_THREAD_SPIN_MS}: callers there should prefer
 * {@link lockAsync}, which waits with `Atomics.waitAsync`.
 */
export function lock(view: Int32Array, at: number, timeoutMs: number): boolean {
  if (Atomics.compareExchange(view, at, FREE, MINE) === FREE) return true;
  for (let round = 0; round < SPIN_ROUNDS; round++) {
    if (Atomics.load(view, at) === FREE && tryLock(view, at)) return true;
  }
  if (isMainThread) return pollLock(view, at, Math.min(timeoutMs, MAIN_THREAD_SPIN_MS));
  return sleepLock(view, at, timeoutMs);
}

/**
 * Releases the lock and wakes one waiter if any may be asleep. Throws an `Error` if this
 * thread does not hold it: unlocking another thread's lock would break mutual exclusion.
 */
export function unlock(view: Int32Array, at: number): void {
  // Uncontended, one compare-and-swap frees the lock. It fails if a waiter set its bit or if
  // this thread does not hold the lock, and the slower path below finds out which.
  if (Atomics.compareExchange(view, at, MINE, FREE) === MINE) return;
  // Only the holder may change the owner part, so checking it before the exchange is safe.
  const held = Atomics.load(view, at);
  if (ownerOf(held) !== OWNER_ID) {
    throw new Error(
      `unlock by thread ${OWNER_ID - 1} of a lock held by ` +
        (held === FREE ? 'nobody' : `thread ${ownerOf(held) - 1}`),
    );
  }
  // The exchange, not a store: a waiter may have set the waiters bit since the load.
  if ((Atomics.exchange(view, at, FREE) & WAITERS) !== 0) Atomics.notify(view, at, 1);
}

/**
 * Frees a lock whose holder `owner` (`threadId + 1`) is known to be dead, and wakes every
 * waiter. Returns `false`, changing nothing, if `owner` does not hold it.
 */
export function forceUnlock(view: Int32Array, at: number, owner: number): boolean {
  for (;;) {
    const value = Atomics.load(view, at);
    if (value === FREE || ownerOf(value) !== owner) return false;
    if (Atomics.compareExchange(view, at, value, FREE) === value) {
      Atomics.notify(view, at);
      return true;
    }
  }
}

/** Waits for the lock with `Atomics.waitAsync`, for code on the main thread. Returns `false`
 * on timeout; rejects with `AbortError` if `signal` aborts first. */
export async function lockAsync(
  view: Int32Array,
  at: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const seen = announceWaiter(view, at);
    if (seen === FREE) return true;
    const remaining = deadline - performance.now();
    if (remaining <= 0) return false;
    await waitAsyncAlive(view, at, seen, remaining, signal);
  }
}

function pollLock(view: Int32Array, at: number, timeoutMs: number): boolean {
  const deadline = performance.now() + timeoutMs;
  do {
    if (tryLock(view, at)) return true;
  } while (performance.now() < deadline);
  return false;
}

function sleepLock(view: Int32Array, at: number, timeoutMs: number): boolean {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const seen = announceWaiter(view, at);
    if (seen === FREE) return true;
    const remaining = deadline - performance.now();
    if (remaining <= 0) return false;
    // A wake-up is no proof that the lock is free: the loop takes it or sleeps again.
    Atomics.wait(view, at, seen, remaining);
  }
}

/**
 * Takes the lock if it is free, marked with the waiters bit because other threads may be
 * asleep on it; otherwise makes sure the waiters bit is set. Returns `FREE` when this thread
 * now holds the lock, else the word value to sleep on.
 */
function announceWaiter(view: Int32Array, at: number): number {
  for (;;) {
    const value = Atomics.load(view, at);
    if (value === FREE) {
      if (Atomics.compareExchange(view, at, FREE, MINE | WAITERS) === FREE) return FREE;
      continue;
    }
    if ((value & WAITERS) !== 0) return value;
    if (Atomics.compareExchange(view, at, value, value | WAITERS) === value) return value | WAITERS;
  }
}
