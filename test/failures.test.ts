import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';

import { afterEach, describe, expect, it } from 'vitest';

import {
  EngineClosedError,
  Inventory,
  OperationInterruptedError,
  StockEngine,
  TimeoutError,
} from '../dist/src/index.js';

let engine: StockEngine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

async function waitForThreads(target: StockEngine, count: number): Promise<number> {
  for (let i = 0; i < 200 && target.liveThreads !== count; i++) await delay(25);
  return target.liveThreads;
}

/**
 * Starts a purchase of A that takes A's lock and hangs before its write, and waits until it
 * holds the lock. Aborting `controller` terminates its thread; `fault` settles then.
 */
async function hangHoldingLock(target: StockEngine, inventory: Inventory) {
  const controller = new AbortController();
  const fault = target
    .injectFault('A', 1, { point: 'before-write', action: 'hang', signal: controller.signal })
    .catch((error: unknown) => error);
  for (let i = 0; i < 400 && !inventory.lockState('A').locked; i++) await delay(5);
  return { controller, fault };
}

type Action = 'exit' | 'throw' | 'hang';
type Point = 'before-write' | 'after-write';

const K9: [Action, Point, number][] = [
  ['exit', 'before-write', 70],
  ['exit', 'after-write', 69],
  ['throw', 'before-write', 70],
  ['throw', 'after-write', 69],
  ['hang', 'before-write', 70],
  ['hang', 'after-write', 69],
];

describe('K9: a worker dies holding the mutex', () => {
  it.each(K9)(
    '%s %s leaves the stock at %i and conservation intact',
    async (action, point, final) => {
      const inventory = Inventory.create({ A: 100 }, { strategy: 'mutex' });
      engine = new StockEngine(inventory, { threads: 4, faultInjection: true });
      const recoveries: unknown[] = [];
      const onRecovery = (event: unknown) => recoveries.push(event);
      subscribe('stockroom:recovery', onRecovery);

      const controller = new AbortController();
      const fault = engine.injectFault('A', 1, { point, action, signal: controller.signal });
      const outcome = fault.catch((error: unknown) => error);
      // Wait until the faulty purchase holds the lock, then queue 30 purchases behind it.
      for (let i = 0; i < 400 && !inventory.lockState('A').locked; i++) await delay(5);
      const purchases = Array.from({ length: 30 }, () => engine?.purchase('A', 1));
      if (action === 'hang') {
        // Abort only once the hanging purchase has reached its point: after its write, that
        // is once the stock shows it.
        for (let i = 0; i < 400 && point === 'after-write' && inventory.stock('A') === 100; i++) {
          await delay(5);
        }
        controller.abort();
      }

      const error = await outcome;
      const results = await Promise.all(purchases);
      unsubscribe('stockroom:recovery', onRecovery);

      expect(error).toBeInstanceOf(OperationInterruptedError);
      expect((error as OperationInterruptedError).tookEffect).toBe(point === 'after-write');
      expect(results.filter((result) => result?.ok)).toHaveLength(30);
      expect(inventory.stock('A')).toBe(final);
      expect(inventory.snapshot()[0]?.sold).toBe(100 - final);
      expect(inventory.checkInvariants()).toEqual([]);
      expect(inventory.lockState('A').locked).toBe(false);
      if (action !== 'throw') {
        expect(recoveries).toContainEqual(
          expect.objectContaining({
            operation: 'purchase',
            tookEffect: point === 'after-write',
            locksFreed: 1,
          }),
        );
      }
      expect(await waitForThreads(engine, 4)).toBe(4);
    },
  );
});

describe('fault injection and the journal', () => {
  it('a fault on a rejected purchase does not fire and says so', async () => {
    const inventory = Inventory.create({ A: 0 }, { strategy: 'mutex' });
    engine = new StockEngine(inventory, { threads: 1, faultInjection: true });
    await expect(
      engine.injectFault('A', 1, { point: 'after-write', action: 'exit' }),
    ).rejects.toThrow(/did not fire: the purchase of A was rejected \(insufficient-stock\)/);
    expect(engine.liveThreads).toBe(1);
  });

  it('handles opened many times in one thread share one journal entry', async () => {
    const inventory = Inventory.create({ A: 100 }, { strategy: 'mutex' });
    // More handles than the journal has entries: each would have claimed its own before.
    for (let i = 0; i < 300; i++) Inventory.attach(inventory.buffer).restock('A', 1);
    engine = new StockEngine(inventory, { threads: 2, faultInjection: true });
    const error = await engine
      .injectFault('A', 1, { point: 'after-write', action: 'exit' })
      .catch((caught: unknown) => caught);
    expect((error as OperationInterruptedError).tookEffect).toBe(true);
    expect(inventory.stock('A')).toBe(399);
    expect(inventory.checkInvariants()).toEqual([]);
  });
});

describe('engine aborts and timeouts', () => {
  it('a batch with a failed purchase still reports the others', async () => {
    const inventory = Inventory.create({ A: 10, B: 10 }, { strategy: 'mutex' });
    // Three threads: one hangs in the fault, one waits for A's lock, one buys B.
    engine = new StockEngine(inventory, { threads: 3, faultInjection: true });
    const { controller, fault } = await hangHoldingLock(engine, inventory);
    const error = await engine
      .purchaseBatch(
        [
          { sku: 'A', quantity: 1 },
          { sku: 'B', quantity: 1 },
        ],
        { timeoutMs: 100 },
      )
      .catch((caught: unknown) => caught);
    controller.abort();
    await fault;
    expect(error).toBeInstanceOf(AggregateError);
    const { results } = error as { results: PromiseSettledResult<unknown>[] };
    expect(results[0]?.status).toBe('rejected');
    expect(results[1]).toEqual({ status: 'fulfilled', value: { ok: true, remaining: 9 } });
    expect(inventory.stock('B')).toBe(9);
  });

  it('an aborted call that has not started changes nothing', async () => {
    const inventory = Inventory.create({ A: 10 });
    engine = new StockEngine(inventory, { threads: 1 });
    const controller = new AbortController();
    const call = engine.purchase('A', 1, { signal: controller.signal });
    controller.abort(new Error('client went away'));
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    await engine.purchase('A', 1);
    expect(inventory.stock('A')).toBe(9);
  });

  it('a call already aborted is rejected at once', async () => {
    engine = new StockEngine(Inventory.create({ A: 10 }), { threads: 1 });
    await expect(engine.purchase('A', 1, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(engine.stats.tasks).toBe(0);
  });

  it('a lock wait that times out rejects with TimeoutError and frees nothing', async () => {
    const inventory = Inventory.create({ A: 10 }, { strategy: 'mutex' });
    engine = new StockEngine(inventory, { threads: 2, faultInjection: true });
    const { controller, fault } = await hangHoldingLock(engine, inventory);
    const owner = inventory.lockState('A').owner;

    await expect(engine.purchase('A', 1, { timeoutMs: 50 })).rejects.toBeInstanceOf(TimeoutError);
    // The timeout bounded the wait only: the lock is still held by the hanging purchase.
    expect(inventory.lockState('A')).toMatchObject({ locked: true, owner });
    controller.abort();
    await fault;
    expect(inventory.stock('A')).toBe(10);
    expect(inventory.checkInvariants()).toEqual([]);
  });
});

describe('main thread under lock contention', () => {
  it('keeps its event loop running while a lock it wants is held', async () => {
    const inventory = Inventory.create({ A: 100 }, { strategy: 'mutex' });
    engine = new StockEngine(inventory, { threads: 3, faultInjection: true });
    const { controller, fault } = await hangHoldingLock(engine, inventory);

    const histogram = monitorEventLoopDelay({ resolution: 5 });
    histogram.enable();
    // Workers contend for the held lock on behalf of the main thread; 400 ms later it is freed.
    const purchases = Array.from({ length: 20 }, () => engine?.purchase('A', 1));
    setTimeout(() => controller.abort(), 400);
    const results = await Promise.all(purchases);
    histogram.disable();
    await fault;

    expect(results.every((result) => result?.ok)).toBe(true);
    // Blocking on the lock would have stalled the loop for the whole 400 ms.
    expect(histogram.max / 1e6).toBeLessThan(200);
  });
});

describe('engine close', () => {
  it('with a deadline cancels calls that have not started', async () => {
    const inventory = Inventory.create({ A: 10 }, { strategy: 'mutex' });
    const closing = new StockEngine(inventory, { threads: 2, faultInjection: true });
    const { controller, fault } = await hangHoldingLock(closing, inventory);
    // Two purchases in one batch: the first waits for the lock, the second never starts.
    const waiting = [closing.purchase('A', 1), closing.purchase('A', 1)].map((call) =>
      call.then(
        (result) => result,
        (error: unknown) => error,
      ),
    );
    const closed = closing.close({ deadlineMs: 50 });
    setTimeout(() => controller.abort(), 200);
    await closed;
    await fault;
    const outcomes = await Promise.all(waiting);
    expect(outcomes[0]).toEqual({ ok: true, remaining: 9 });
    expect(outcomes[1]).toBeInstanceOf(EngineClosedError);
    expect(inventory.stock('A')).toBe(9);
    await expect(closing.purchase('A', 1)).rejects.toBeInstanceOf(EngineClosedError);
  });

  it('lets the process exit on its own afterwards', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const script = `
      import { Inventory, StockEngine } from 'stockroom';
      const engine = new StockEngine(Inventory.create({ A: 3 }), { threads: 2 });
      await engine.purchase('A', 1);
      await engine.close();
      console.log('closed');
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', script],
      { timeout: 20_000 },
    );
    expect(stdout.trim()).toBe('closed');
  });
});
