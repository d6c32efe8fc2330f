import { afterAll, describe, expect, it } from 'vitest';

import { Inventory, type Strategy } from '../dist/src/index.js';
import { actorPool, runActors, total } from './helpers/actors.js';

const STRATEGIES: Strategy[] = ['atomic', 'mutex', 'unsafe'];
const pool = actorPool(4);
afterAll(() => pool.close());

const lines = (a: number, b = 0) => [
  { sku: 'A', quantity: a },
  ...(b > 0 ? [{ sku: 'B', quantity: b }] : []),
];

function holdId(inventory: Inventory, a: number, b = 0): string {
  const result = inventory.hold(lines(a, b));
  if (!result.ok) throw new Error(`hold failed: ${result.reason}`);
  return result.id;
}

describe.each(STRATEGIES)('%s holds, one thread', (strategy) => {
  it('take units out of sale until committed', () => {
    const inventory = Inventory.create({ A: 5, B: 5 }, { strategy });
    const id = holdId(inventory, 2, 1);
    expect(inventory.stock('A')).toBe(3);
    expect(inventory.snapshot()[0]).toMatchObject({ held: 2, sold: 0 });
    expect(inventory.checkInvariants()).toEqual([]);
    expect(inventory.commitHold(id)).toEqual({ ok: true });
    expect(inventory.snapshot()[0]).toMatchObject({ stock: 3, held: 0, sold: 2 });
    expect(inventory.snapshot()[1]).toMatchObject({ stock: 4, held: 0, sold: 1 });
    expect(inventory.checkInvariants()).toEqual([]);
  });

  it('K5C: a released hold puts the stock back', () => {
    const inventory = Inventory.create({ A: 5 }, { strategy });
    const id = holdId(inventory, 2);
    // The payment failed: the caller releases the hold.
    expect(inventory.releaseHold(id)).toEqual({ ok: true });
    expect(inventory.snapshot()[0]).toMatchObject({ stock: 5, held: 0, sold: 0 });
    expect(inventory.checkInvariants()).toEqual([]);
  });

  it('settle each hold once and say so on a repeat', () => {
    const inventory = Inventory.create({ A: 5 }, { strategy });
    const committed = holdId(inventory, 1);
    const released = holdId(inventory, 1);
    expect(inventory.commitHold(committed)).toEqual({ ok: true });
    expect(inventory.commitHold(committed)).toEqual({ ok: false, reason: 'already-committed' });
    expect(inventory.releaseHold(committed)).toEqual({ ok: false, reason: 'already-committed' });
    expect(inventory.releaseHold(released)).toEqual({ ok: true });
    expect(inventory.releaseHold(released)).toEqual({ ok: false, reason: 'already-released' });
    expect(inventory.commitHold(released)).toEqual({ ok: false, reason: 'already-released' });
    expect(inventory.snapshot()[0]).toMatchObject({ stock: 4, held: 0, sold: 1 });
  });

  it('release on their own once expired, and a late commit is rejected', () => {
    const inventory = Inventory.create({ A: 5 }, { strategy });
    const result = inventory.hold(lines(3), { expiresInMs: 1000 });
    if (!result.ok) throw new Error('hold failed');
    expect(result.expiresAt).toBeGreaterThan(Date.now());
    expect(inventory.releaseExpiredHolds(Date.now())).toBe(0);
    expect(inventory.releaseExpiredHolds(Date.now() + 2000)).toBe(1);
    expect(inventory.stock('A')).toBe(5);
    expect(inventory.commitHold(result.id)).toEqual({ ok: false, reason: 'expired' });
    expect(inventory.checkInvariants()).toEqual([]);
  });

  it('reject a hold larger than the stock, taking nothing', () => {
    const inventory = Inventory.create({ A: 5, B: 1 }, { strategy });
    expect(inventory.hold(lines(2, 2))).toMatchObject({
      ok: false,
      reason: 'insufficient-stock',
      sku: 'B',
      requested: 2,
      available: 1,
    });
    expect(inventory.liveHolds()).toBe(0);
    expect(inventory.snapshot()[0]).toMatchObject({ stock: 5, held: 0 });
  });

  it('refuse an id guessed for a slot whose hold failed', () => {
    const inventory = Inventory.create({ A: 10 }, { strategy, holdCapacity: 1 });
    const first = holdId(inventory, 2);
    expect(inventory.commitHold(first)).toEqual({ ok: true });
    expect(inventory.hold(lines(100))).toMatchObject({ reason: 'insufficient-stock' });
    // The failed hold left its slot free under the next generation: no hold has that id.
    expect(() => inventory.releaseHold('h0.2')).toThrow(RangeError);
    expect(inventory.snapshot()[0]).toMatchObject({ stock: 8, held: 0, sold: 2 });
    expect(inventory.checkInvariants()).toEqual([]);
  });

  it('report a full hold table, and reuse slots once settled', () => {
    const inventory = Inventory.create({ A: 10 }, { strategy, holdCapacity: 2 });
    const first = holdId(inventory, 1);
    holdId(inventory, 1);
    expect(inventory.hold(lines(1))).toEqual({ ok: false, reason: 'no-free-hold-slot' });
    inventory.commitHold(first);
    const third = holdId(inventory, 1);
    expect(third).not.toBe(first);
    // The first hold's slot now carries the third: its old id can settle nothing.
    expect(inventory.releaseHold(first)).toEqual({ ok: false, reason: 'already-settled' });
    expect(inventory.liveHolds()).toBe(2);
  });

  it('reject ids that no hold() returned', () => {
    const inventory = Inventory.create({ A: 1 }, { strategy, holdCapacity: 4 });
    for (const id of ['', 'h', 'h9.0', 'x1.1', 'h1.1.1', 42, 'h0.0', 'h0.1', 'h00.1', 'h0.01']) {
      expect(() => inventory.commitHold(id as string)).toThrow(RangeError);
    }
    expect(() => inventory.hold(lines(1), { expiresInMs: -1 })).toThrow(RangeError);
    expect(() => Inventory.create({ A: 1 }, { holdCapacity: -1 })).toThrow(/holdCapacity/);
  });
});

describe.each(['atomic', 'mutex'] as Strategy[])('%s holds across threads', (strategy) => {
  it('a commit and a release racing for one hold: exactly one wins', async () => {
    for (let round = 0; round < 50; round++) {
      const inventory = Inventory.create({ A: 5 }, { strategy });
      const id = holdId(inventory, 2);
      const tallies = await runActors(pool, inventory, [
        [{ op: 'commit', id }],
        [{ op: 'release', id }],
        [{ op: 'commit', id }],
      ]);
      expect(total(tallies, 'successes'), `round ${round}`).toBe(1);
      const [record] = inventory.snapshot();
      expect(record?.held).toBe(0);
      expect((record?.sold ?? 0) + (record?.stock ?? 0)).toBe(5);
      expect(inventory.checkInvariants()).toEqual([]);
    }
  });

  it('restocks racing holds near 2^31-1 never wrap the stock', async () => {
    const inventory = Inventory.create({ A: 2_147_483_647 - 600 }, { strategy });
    const holder = [{ op: 'holdRelease' as const, lines: lines(500), repeat: 3000 }];
    const restocker = [{ op: 'restock' as const, sku: 'A', quantity: 1000, repeat: 3000 }];
    const tallies = await runActors(pool, inventory, [holder, restocker]);
    const errors = tallies.flat().flatMap((tally) => tally.errors);
    // Every restock must be refused: 1000 more units never fit, with or without a hold.
    expect(total([tallies[1] ?? []], 'successes')).toBe(0);
    expect(errors.every((error) => error.startsWith('RangeError: restock of 1000'))).toBe(true);
    expect(inventory.stock('A')).toBe(2_147_483_647 - 600);
    expect(inventory.checkInvariants()).toEqual([]);
  });

  it('K5B as holds: 4 threads hold [A x1, B x1] with B = 3, three succeed', async () => {
    const inventory = Inventory.create({ A: 10, B: 3 }, { strategy });
    const step = [{ op: 'hold' as const, lines: lines(1, 1) }];
    const tallies = await runActors(pool, inventory, [step, step, step, step]);
    expect(total(tallies, 'successes')).toBe(3);
    expect(inventory.snapshot().map((record) => record.held)).toEqual([3, 3]);
    expect(inventory.stock('B')).toBe(0);
    expect(inventory.checkInvariants()).toEqual([]);
  });
});

describe.each(STRATEGIES)('%s holds at the limits', (strategy) => {
  it('count held units against the Int32 maximum of a restock', () => {
    const inventory = Inventory.create({ A: 10 }, { strategy });
    const id = holdId(inventory, 10);
    // Releasing the 10 held units must still fit, so a restock of 2^31-1 is refused.
    expect(() => inventory.restock('A', 2_147_483_647)).toThrow(/plus 10 held/);
    expect(inventory.restock('A', 2_147_483_637)).toEqual({ ok: true, stock: 2_147_483_637 });
    expect(inventory.releaseHold(id)).toEqual({ ok: true });
    expect(inventory.stock('A')).toBe(2_147_483_647);
    expect(inventory.checkInvariants()).toEqual([]);
  });

  it('round a fractional expiry up and refuse one past 10 years', () => {
    const inventory = Inventory.create({ A: 10 }, { strategy });
    const result = inventory.hold(lines(4), { expiresInMs: 0.5 });
    expect(result).toMatchObject({ ok: true });
    expect(() => inventory.hold(lines(1), { expiresInMs: 9.3e18 })).toThrow(/at most/);
    expect(inventory.liveHolds()).toBe(1);
    expect(inventory.releaseExpiredHolds(Date.now() + 10)).toBe(1);
    expect(inventory.stock('A')).toBe(10);
    expect(inventory.checkInvariants()).toEqual([]);
  });
});

describe('mutex hold commits on the main thread', () => {
  it('time out rather than commit without the lock', async () => {
    const { tryLock, unlock } = await import('../dist/src/futex.js');
    const inventory = Inventory.create({ A: 5 }, { strategy: 'mutex' });
    const id = holdId(inventory, 2);
    const words = new Int32Array(inventory.buffer);
    const lockAt = 128 / 4 + 1; // the first record's lock word, after the 128-byte header
    expect(tryLock(words, lockAt)).toBe(true);
    expect(inventory.commitHold(id, { timeoutMs: 1 })).toEqual({ ok: false, reason: 'timed-out' });
    expect(inventory.snapshot()[0]).toMatchObject({ held: 2, sold: 0 });
    unlock(words, lockAt);
    expect(inventory.commitHold(id)).toEqual({ ok: true });
    expect(inventory.checkInvariants()).toEqual([]);
  });
});
