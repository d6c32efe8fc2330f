import { isMainThread, threadId } from 'node:worker_threads';

import { waitAsyncAlive } from './wait.js';

/**
 * A futex mutex on one Int32 slot, after Drepper's "Futexes Are Tricky" (2011), mutex 3:
 * 0 is unlocked, 1 locked with no waiters, 2 locked with possible waiters. Only a holder that
 * saw 2 pays for `Atomics.notify`; an uncontended lock and unlock is one compare-and-swap and
 * one subtract.
 *
 * The slot after the lock word records the holder (`threadId + 1`), so a lock left behind by a
 * dead thread can be traced to it.
 */

const UNLOCKED = 0;
const LOCKED = 1;
const CONTENDED = 2;

/** Rounds of polling before a waiter sleeps: a holder's critical section is usually shorter. */
const SPIN_ROUNDS = 100;

/** Longest time the main thread polls for a lock before it gives up, in milliseconds. */
export const MAIN_THREAD_SPIN_MS = 5;

/** Value stored in the owner slot: never 0, so 0 can mean "no holder". */
export const OWNER_ID = threadId + 1;

/** Takes the lock if it is free, without waiting. Returns `true` if this thread now holds it. */
export function tryLock(view: Int32Array, at: number): boolean {
  if (Atomics.compareExchange(view, at, UNLOCKED, LOCKED) !== UNLOCKED) return false;
  Atomics.store(view, at + 1, OWNER_ID);
  return true;
}

/**
 * Takes the lock, waiting at most `timeoutMs` milliseconds. Returns `true` once this thread
 * holds it and `false` on timeout.
 *
 * Worker threads sleep in `Atomics.wait`. The main thread must not block its event loop, so it
 * only polls, for at most {@link MAIN_THREAD_SPIN_MS}: callers there should prefer the async
 * forms, which wait with `Atomics.waitAsync`.
 */
export function lock(view: Int32Array, at: number, timeoutMs: number): boolean {
  let state = Atomics.compareExchange(view, at, UNLOCKED, LOCKED);
  if (state === UNLOCKED) return ownLock(view, at);

  for (let round = 0; round < SPIN_ROUNDS; round++) {
    if (Atomics.load(view, at) === UNLOCKED) {
      state = Atomics.compareExchange(view, at, UNLOCKED, LOCKED);
      if (state === UNLOCKED) return ownLock(view, at);
    }
  }

  if (isMainThread) return pollLock(view, at, Math.min(timeoutMs, MAIN_THREAD_SPIN_MS));
  return sleepLock(view, at, state, timeoutMs);
}

/** Releases the lock and wakes one waiter if any may be waiting. */
export function unlock(view: Int32Array, at: number): void {
  Atomics.store(view, at + 1, 0);
  // From 1 the subtraction frees the lock at once. From 2 it leaves 1, which still counts as
  // held, so no newcomer slips in before the store of 0 and the wake-up below.
  if (Atomics.sub(view, at, 1) !== LOCKED) {
    Atomics.store(view, at, UNLOCKED);
    Atomics.notify(view, at, 1);
  }
}

/** Waits for the lock with `Atomics.waitAsync`, for code on the main thread. */
export async function lockAsync(
  view: Int32Array,
  at: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  let state = Atomics.compareExchange(view, at, UNLOCKED, LOCKED);
  if (state === UNLOCKED) return ownLock(view, at);
  if (state !== CONTENDED) state = Atomics.exchange(view, at, CONTENDED);
  while (state !== UNLOCKED) {
    const remaining = deadline - performance.now();
    if (remaining <= 0) return false;
    await waitAsyncAlive(view, at, CONTENDED, remaining, signal);
    state = Atomics.exchange(view, at, CONTENDED);
  }
  return ownLock(view, at);
}

function ownLock(view: Int32Array, at: number): true {
  Atomics.store(view, at + 1, OWNER_ID);
  return true;
}

function pollLock(view: Int32Array, at: number, timeoutMs: number): boolean {
  const deadline = performance.now() + timeoutMs;
  do {
    if (Atomics.compareExchange(view, at, UNLOCKED, LOCKED) === UNLOCKED) return ownLock(view, at);
  } while (performance.now() < deadline);
  return false;
}

function sleepLock(view: Int32Array, at: number, seen: number, timeoutMs: number): boolean {
  const deadline = performance.now() + timeoutMs;
  // Announce a waiter by storing 2. If the exchange returns 0 the lock was free and is now
  // ours, marked contended, which costs at most one needless wake-up at unlock.
  let state = seen === CONTENDED ? seen : Atomics.exchange(view, at, CONTENDED);
  while (state !== UNLOCKED) {
    const remaining = deadline - performance.now();
    if (remaining <= 0) return false;
    // A wake-up is no proof that the lock is free: the exchange below re-checks it.
    Atomics.wait(view, at, CONTENDED, remaining);
    state = Atomics.exchange(view, at, CONTENDED);
  }
  return ownLock(view, at);
}
