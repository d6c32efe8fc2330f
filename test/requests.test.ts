import { afterAll, describe, expect, it } from 'vitest';
import { tryLock, unlock } from '../dist/src/futex.js';
import { Inventory, StockEngine, type Strategy } from '../dist/src/index.js';
import { actorPool, runActors, total } from './helpers/actors.js';

const pool = actorPool(4);
afterAll(() => pool.close());

describe.each(['atomic', 'mutex', 'unsafe'] as Strategy[])(
  '%s request ids, one thread',
  (strategy) => {
    it('a repeated purchase returns the first outcome and sells once', () => {
      const inventory = Inventory.create({ A: 5 }, { strategy });
      const first = inventory.purchase('A', 2, { requestId: 'payment-1' });
      expect(first).toEqual({ ok: true, remaining: 3 });
      expect(inventory.purchase('A', 2, { requestId: 'payment-1' })).toEqual(first);
      expect(inventory.stock('A')).toBe(3);
      expect(inventory.purchase('A', 9, { requestId: 'payment-2' })).toEqual({
        ok: false,
        reason: 'insufficient-stock',
        available: 3,
      });
      // The first outcome stands even though the stock would now allow it.
      inventory.restock('A', 10);
      expect(inventory.purchase('A', 9, { requestId: 'payment-2' })).toMatchObject({ ok: false });
      expect(inventory.stock('A')).toBe(13);
    });

    it('a repeated order or hold returns the first outcome', () => {
      const inventory = Inventory.create({ A: 5, B: 1 }, { strategy });
      const lines = [
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 1 },
      ];
      expect(inventory.order(lines, { requestId: 'order-7' })).toEqual({ ok: true });
      expect(inventory.order(lines, { requestId: 'order-7' })).toEqual({ ok: true });
      const short = inventory.order(lines, { requestId: 'order-8' });
      expect(inventory.order(lines, { requestId: 'order-8' })).toEqual(short);
      expect(short).toMatchObject({ ok: false, sku: 'B', available: 0 });

      inventory.restock('B', 1);
      const held = inventory.hold(lines, { requestId: 'cart-1', expiresInMs: 60_000 });
      expect(held.ok).toBe(true);
      expect(inventory.hold(lines, { requestId: 'cart-1', expiresInMs: 60_000 })).toEqual(held);
      expect(inventory.snapshot().map((record) => record.held)).toEqual([2, 1]);
      expect(inventory.checkInvariants()).toEqual([]);
    });

    it('an id used for another kind of operation is rejected', () => {
      const inventory = Inventory.create({ A: 5 }, { strategy });
      inventory.purchase('A', 1, { requestId: 'id-1' });
      expect(() => inventory.order([{ sku: 'A', quantity: 1 }], { requestId: 'id-1' })).toThrow(
        /already used for a purchase, not for a order|already used for a purchase/,
      );
      expect(inventory.stock('A')).toBe(4);
    });

    it('a bad id is rejected before anything changes', () => {
      const inventory = Inventory.create({ A: 5 }, { strategy });
      expect(() => inventory.purchase('A', 1, { requestId: '' })).toThrow(RangeError);
      expect(() => inventory.purchase('A', 1, { requestId: 'x'.repeat(129) })).toThrow(RangeError);
      expect(() => inventory.purchase('A', 1, { requestId: 7 as unknown as string })).toThrow(
        TypeError,
      );
      expect(inventory.stock('A')).toBe(5);
    });

    it('reports a full request log instead of applying without protection', () => {
      const inventory = Inventory.create({ A: 5 }, { strategy, requestLogCapacity: 1 });
      expect(inventory.purchase('A', 1, { requestId: 'a' })).toMatchObject({ ok: true });
      expect(inventory.purchase('A', 1, { requestId: 'b' })).toEqual({
        ok: false,
        reason: 'request-log-full',
      });
      const off = Inventory.create({ A: 5 }, { strategy, requestLogCapacity: 0 });
      expect(off.purchase('A', 1, { requestId: 'a' })).toEqual({
        ok: false,
        reason: 'request-log-full',
      });
      expect(inventory.stock('A')).toBe(4);
      expect(off.stock('A')).toBe(5);
    });
  },
);

describe('request ids under mutex', () => {
  it('a purchase that timed out is not recorded, so a retry applies', () => {
    const inventory = Inventory.create({ A: 5 }, { strategy: 'mutex' });
    const lockWord = new Int32Array(inventory.buffer);
    const lockAt = 128 / 4 + 1; // the first record's lock word
    expect(tryLock(lockWord, lockAt)).toBe(true);
    expect(inventory.purchase('A', 1, { requestId: 'retry-me', timeoutMs: 1 })).toEqual({
      ok: false,
      reason: 'timed-out',
    });
    unlock(lockWord, lockAt);
    expect(inventory.purchase('A', 1, { requestId: 'retry-me' })).toEqual({
      ok: true,
      remaining: 4,
    });
  });
});

describe.each(['atomic', 'mutex'] as Strategy[])('%s request ids across threads', (strategy) => {
  it('4 threads sending the same 300 ids at once apply each once', async () => {
    const inventory = Inventory.create({ A: 10_000 }, { strategy });
    const sender = [
      { op: 'purchase' as const, sku: 'A', quantity: 2, repeat: 300, requestIdPrefix: 'pay' },
    ];
    const tallies = await runActors(pool, inventory, [sender, sender, sender, sender]);
    // Every thread sees every id succeed (first outcome or its repeat), but only 300 sales happen.
    expect(total(tallies, 'successes')).toBe(1200);
    expect(inventory.stock('A')).toBe(10_000 - 600);
    expect(inventory.snapshot()[0]?.sold).toBe(600);
    expect(inventory.checkInvariants()).toEqual([]);
  });

  it('the same ids without request ids sell four times (control)', async () => {
    const inventory = Inventory.create({ A: 10_000 }, { strategy });
    const sender = [{ op: 'purchase' as const, sku: 'A', quantity: 2, repeat: 300 }];
    await runActors(pool, inventory, [sender, sender, sender, sender]);
    expect(inventory.stock('A')).toBe(10_000 - 2400);
  });
});

describe('engine request ids', () => {
  it('a webhook delivered twice buys once', async () => {
    const inventory = Inventory.create({ A: 5 });
    const engine = new StockEngine(inventory, { threads: 2 });
    try {
      const [first, second] = await Promise.all([
        engine.purchase('A', 3, { requestId: 'hook-1' }),
        engine.purchase('A', 3, { requestId: 'hook-1' }),
      ]);
      expect(first).toEqual({ ok: true, remaining: 2 });
      expect(second).toEqual(first);
      expect(await engine.purchase('A', 3, { requestId: 'hook-1' })).toEqual(first);
      expect(inventory.stock('A')).toBe(2);
    } finally {
      await engine.close();
    }
  });
});
