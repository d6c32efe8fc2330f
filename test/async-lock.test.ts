import { afterEach, describe, expect, it, vi } from 'vitest';

import { AsyncInventory, AsyncLock, TimeoutError } from '../dist/src/index.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('AsyncLock', () => {
  it('grants the lock in the order it was requested', async () => {
    const lock = new AsyncLock();
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3, 4].map((n) =>
        lock.runExclusive(async () => {
          order.push(n);
          await new Promise((resolve) => setImmediate(resolve));
        }),
      ),
    );
    expect(order).toEqual([1, 2, 3, 4]);
    expect(lock.locked).toBe(false);
  });

  it('lets no newcomer overtake the queue on release', async () => {
    const lock = new AsyncLock();
    const release = await lock.acquire();
    const waiter = lock.acquire();
    release();
    expect(lock.tryAcquire()).toBeNull();
    (await waiter)();
    expect(lock.locked).toBe(false);
  });

  it('K7: an error in the critical section rejects only its caller', async () => {
    const lock = new AsyncLock();
    let stock = 10;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const buy = (n: number) =>
      lock.runExclusive(async () => {
        const seen = stock;
        await new Promise((resolve) => setTimeout(resolve, 1));
        if (n === 2) throw new Error('payment service failed');
        stock = seen - 1;
        return n;
      });
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map(buy));
    process.off('unhandledRejection', onUnhandled);

    expect(results.map((result) => result.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('payment service failed');
    expect(stock).toBe(6);
    expect(lock.locked).toBe(false);
    expect(lock.waiting).toBe(0);
    expect(unhandled).toEqual([]);
  });

  it('times out a waiter without touching the holder', async () => {
    vi.useFakeTimers();
    const lock = new AsyncLock();
    const release = await lock.acquire();
    const waiter = lock.acquire({ timeoutMs: 100 });
    const outcome = expect(waiter).rejects.toThrow(TimeoutError);
    await vi.advanceTimersByTimeAsync(100);
    await outcome;
    expect(lock.locked).toBe(true);
    expect(lock.waiting).toBe(0);
    release();
    expect(lock.locked).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects an aborted waiter with AbortError and passes the lock on', async () => {
    const lock = new AsyncLock();
    const release = await lock.acquire();
    const controller = new AbortController();
    const aborted = lock.acquire({ signal: controller.signal });
    const next = lock.acquire();
    controller.abort(new Error('caller went away'));
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    release();
    (await next)();
    expect(lock.locked).toBe(false);
  });

  it('passes the lock on when the signal fires as the lock is handed over', async () => {
    const lock = new AsyncLock();
    const release = await lock.acquire();
    const controller = new AbortController();
    const handedOver = lock.runExclusive(() => 'ran', { signal: controller.signal });
    const after = lock.acquire();
    release();
    controller.abort();
    await expect(handedOver).rejects.toMatchObject({ name: 'AbortError' });
    (await after)();
    expect(lock.locked).toBe(false);
  });

  it('keeps first-in, first-out order across every kind of waiter', async () => {
    const lock = new AsyncLock();
    const release = await lock.acquire();
    const order: string[] = [];
    const calls = [
      lock.runExclusive(() => order.push('sync task')),
      lock.acquire().then((next) => {
        order.push('acquire');
        next();
      }),
      lock.runExclusive(() => order.push('with options'), { timeoutMs: 10_000 }),
      lock.runExclusive(async () => order.push('async task')),
    ];
    expect(lock.waiting).toBe(4);
    release();
    await Promise.all(calls);
    expect(order).toEqual(['sync task', 'acquire', 'with options', 'async task']);
    expect(lock.locked).toBe(false);
  });

  it('a synchronous task that throws rejects and frees the lock', async () => {
    const lock = new AsyncLock();
    await expect(
      lock.runExclusive(() => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(lock.locked).toBe(false);
    await expect(lock.runExclusive(() => 7)).resolves.toBe(7);
  });

  it('throws when a release function is called twice', async () => {
    const lock = new AsyncLock();
    const release = await lock.acquire();
    release();
    expect(release).toThrow(/already called/);
  });

  it('rejects bad options', () => {
    const lock = new AsyncLock();
    lock.tryAcquire();
    expect(() => lock.acquire({ timeoutMs: -1 })).toThrow(RangeError);
    expect(() => lock.acquire({ signal: {} as AbortSignal })).toThrow(TypeError);
  });
});

describe('AsyncInventory', () => {
  it('oversells without the lock and not with it', async () => {
    for (const locked of [false, true]) {
      const inventory = new AsyncInventory(10, { locked, latencyMs: 5 });
      await Promise.all([1, 2, 3, 4, 5].map((n) => inventory.purchase(`user-${n}`, 3)));
      expect(inventory.stock).toBe(locked ? 1 : -5);
    }
  });
});
