import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Inventory, type Strategy } from '../dist/src/index.js';
import { actorPool, runActors, type StepTally, total } from './helpers/actors.js';

// K1A (two buyers of 3 against 5, 200 rounds) runs on the stress kit, in stress.test.ts.
const SAFE: Strategy[] = ['atomic', 'mutex'];
const pool = actorPool(10);

beforeAll(async () => {
  // Start every thread once so that the first round does not measure thread start-up.
  const warmUp = Inventory.create({ A: 0 });
  await Promise.all(
    Array.from({ length: 10 }, () =>
      pool.run({ buffer: warmUp.buffer, script: [], useBarrier: false }),
    ),
  );
});
afterAll(() => pool.close());

describe.each(SAFE)('%s strategy under real threads', (strategy) => {
  it('K1B: 8 threads, 200 tries on stock 10, sampler never sees below 0', async () => {
    const inventory = Inventory.create({ A: 10 }, { strategy });
    const flag = new SharedArrayBuffer(4);
    const buyer = [{ op: 'purchase' as const, sku: 'A', quantity: 1, repeat: 25 }];
    const runs = [
      ...Array.from({ length: 8 }, () => pool.run({ buffer: inventory.buffer, script: buyer })),
      pool.run({ buffer: inventory.buffer, script: [{ op: 'sample', sku: 'A', flag }] }),
    ] as Promise<StepTally[]>[];
    await inventory.barrier.release(9);
    // The sampler reads the stock for as long as the buyers run, then until the flag is set.
    const buyerTallies = await Promise.all(runs.slice(0, 8));
    Atomics.store(new Int32Array(flag), 0, 1);
    const tallies = [...buyerTallies, await (runs[8] as Promise<StepTally[]>)];
    const buyers = tallies.slice(0, 8);
    expect(total(buyers, 'successes')).toBe(10);
    expect(total(buyers, 'rejections')).toBe(190);
    expect(inventory.stock('A')).toBe(0);
    const samplerTally = tallies[8]?.[0];
    expect(samplerTally?.samples).toBeGreaterThan(0);
    expect(samplerTally?.lowest).toBeGreaterThanOrEqual(0);
  });

  it('K2: restocks racing purchases lose no update', async () => {
    const inventory = Inventory.create({ A: 1000 }, { strategy });
    const buyer = [{ op: 'purchase' as const, sku: 'A', quantity: 1, repeat: 100 }];
    const restocker = [{ op: 'restock' as const, sku: 'A', quantity: 5, repeat: 50 }];
    const tallies = await runActors(pool, inventory, [
      buyer,
      buyer,
      buyer,
      buyer,
      restocker,
      restocker,
    ]);
    expect(total(tallies.slice(0, 4), 'successes')).toBe(400);
    expect(inventory.stock('A')).toBe(1100);
    const [record] = inventory.snapshot();
    expect(record?.sold).toBe(400);
    expect(record?.restocked).toBe(500);
    expect(inventory.checkInvariants()).toEqual([]);
  });

  it('K6: two restocks of 400 near the Int32 maximum, exactly one fits', async () => {
    const inventory = Inventory.create({ A: 2_147_483_000 }, { strategy });
    const restock = [{ op: 'restock' as const, sku: 'A', quantity: 400 }];
    const tallies = await runActors(pool, inventory, [restock, restock]);
    expect(total(tallies, 'successes')).toBe(1);
    const errors = tallies.flat().flatMap((tally) => tally.errors);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^RangeError: restock of 400 would take the stock/);
    expect(inventory.stock('A')).toBe(2_147_483_400);
    expect(inventory.checkInvariants()).toEqual([]);
  });

  it('K3B: two orders of [A x2, A x2] against 5, exactly one succeeds', async () => {
    for (let round = 0; round < 50; round++) {
      const inventory = Inventory.create({ A: 5 }, { strategy });
      const order = [
        {
          op: 'order' as const,
          latencyMs: 1,
          lines: [
            { sku: 'A', quantity: 2 },
            { sku: 'A', quantity: 2 },
          ],
        },
      ];
      const tallies = await runActors(pool, inventory, [order, order]);
      expect(total(tallies, 'successes'), `round ${round}`).toBe(1);
      expect(inventory.stock('A'), `round ${round}`).toBe(1);
    }
  });

  it('K5B: 10 orders of [A x1, B x1] with B = 3, three succeed', async () => {
    const inventory = Inventory.create({ A: 10, B: 3 }, { strategy });
    const order = [
      {
        op: 'order' as const,
        lines: [
          { sku: 'A', quantity: 1 },
          { sku: 'B', quantity: 1 },
        ],
      },
    ];
    const tallies = await runActors(
      pool,
      inventory,
      Array.from({ length: 10 }, () => order),
    );
    expect(total(tallies, 'successes')).toBe(3);
    expect(inventory.stock('A')).toBe(7);
    expect(inventory.stock('B')).toBe(0);
    expect(inventory.checkInvariants()).toEqual([]);
  });
});

describe('mutex strategy', () => {
  it('K4: opposite line orders on two SKUs never deadlock', async () => {
    const inventory = Inventory.create({ A: 2000, B: 2000 }, { strategy: 'mutex' });
    const forward = [
      {
        op: 'order' as const,
        repeat: 1000,
        lines: [
          { sku: 'A', quantity: 1 },
          { sku: 'B', quantity: 1 },
        ],
      },
    ];
    const backward = [
      {
        op: 'order' as const,
        repeat: 1000,
        lines: [
          { sku: 'B', quantity: 1 },
          { sku: 'A', quantity: 1 },
        ],
      },
    ];
    const tallies = await runActors(pool, inventory, [forward, backward]);
    expect(total(tallies, 'successes')).toBe(2000);
    expect(inventory.stock('A')).toBe(0);
    expect(inventory.stock('B')).toBe(0);
  }, 10_000);

  it('K8: 8 threads x 10,000 purchases lose no wake-up', async () => {
    const inventory = Inventory.create({ A: 80_000 }, { strategy: 'mutex' });
    const buyer = [{ op: 'purchase' as const, sku: 'A', quantity: 1, repeat: 10_000 }];
    const tallies = await runActors(
      pool,
      inventory,
      Array.from({ length: 8 }, () => buyer),
    );
    expect(total(tallies, 'successes')).toBe(80_000);
    expect(inventory.stock('A')).toBe(0);
    expect(inventory.lockState('A')).toEqual({ locked: false, waiters: false, owner: 0 });
    expect(inventory.checkInvariants()).toEqual([]);
  }, 20_000);
});

describe('unsafe strategy', () => {
  it('oversells or loses updates in a real race', async () => {
    // A latency window between check and write widens the race; repeat until it shows.
    let broken = false;
    for (let round = 0; round < 20 && !broken; round++) {
      const inventory = Inventory.create({ A: 5 }, { strategy: 'unsafe' });
      const buyer = [{ op: 'purchase' as const, sku: 'A', quantity: 3, latencyMs: 5 }];
      const tallies = await runActors(pool, inventory, [buyer, buyer]);
      const sold = total(tallies, 'successes') * 3;
      broken = sold > 5 || inventory.checkInvariants().length > 0;
    }
    expect(broken).toBe(true);
  });
});
