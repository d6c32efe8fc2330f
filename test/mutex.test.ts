import { Piscina } from 'piscina';
import { afterAll, describe, expect, it } from 'vitest';

import { forceUnlock, lock, ownerOf, tryLock, unlock } from '../dist/src/futex.js';

const pool = new Piscina({
  filename: new URL('./fixtures/exclusion-worker.mjs', import.meta.url).href,
  minThreads: 4,
  maxThreads: 4,
});
afterAll(() => pool.close());

async function maxInside(guarded: boolean): Promise<number> {
  const lockBuffer = new SharedArrayBuffer(8);
  const insideBuffer = new SharedArrayBuffer(4);
  const task = { lockBuffer, lockAt: 0, insideBuffer, rounds: 20_000, guarded };
  const results = (await Promise.all(Array.from({ length: 4 }, () => pool.run(task)))) as number[];
  expect(new Int32Array(lockBuffer)[0]).toBe(0);
  return Math.max(...results);
}

describe('futex mutex', () => {
  it('admits one holder at a time across 4 threads', async () => {
    expect(await maxInside(true)).toBe(1);
  });

  it('lets threads overlap without the lock (control)', async () => {
    // Shows the check above can fail: the same critical section overlaps when unguarded.
    let seen = 1;
    for (let attempt = 0; attempt < 10 && seen === 1; attempt++) seen = await maxInside(false);
    expect(seen).toBeGreaterThan(1);
  });

  it('try-lock fails while held and succeeds after unlock', () => {
    const view = new Int32Array(new SharedArrayBuffer(8));
    expect(tryLock(view, 0)).toBe(true);
    expect(tryLock(view, 0)).toBe(false);
    unlock(view, 0);
    expect(view[0]).toBe(0);
    expect(tryLock(view, 0)).toBe(true);
    expect(ownerOf(view[0] as number)).toBe(1);
  });

  it('unlock by a thread that does not hold the lock throws and frees nothing', () => {
    const view = new Int32Array(new SharedArrayBuffer(8));
    expect(() => unlock(view, 0)).toThrow(/held by nobody/);
    Atomics.store(view, 0, 7 << 1);
    expect(() => unlock(view, 0)).toThrow(/held by thread 6/);
    expect(view[0]).toBe(7 << 1);
  });

  it('force-unlock frees only a lock held by the named owner', () => {
    const view = new Int32Array(new SharedArrayBuffer(8));
    Atomics.store(view, 0, (7 << 1) | 1);
    expect(forceUnlock(view, 0, 8)).toBe(false);
    expect(forceUnlock(view, 0, 7)).toBe(true);
    expect(view[0]).toBe(0);
  });

  it('lock on the main thread gives up instead of blocking', () => {
    const view = new Int32Array(new SharedArrayBuffer(8));
    expect(lock(view, 0, 60_000)).toBe(true);
    const started = performance.now();
    expect(lock(view, 0, 60_000)).toBe(false);
    // It returns long before the 60 s timeout: the main thread only polls, briefly.
    expect(performance.now() - started).toBeLessThan(30_000);
  });
});
