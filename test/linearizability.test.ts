import { describe, expect, it } from 'vitest';

import { type CounterOperation, counterModel } from '../src/testing/counter-model.js';
import type { Operation } from '../src/testing/history.js';
import {
  type HoldId,
  type InventoryOperation,
  inventoryModel,
  type OrderLine,
} from '../src/testing/inventory-model.js';
import { checkLinearizability, type Model } from '../src/testing/linearizability.js';
import { createRandom } from '../src/testing/seeded-random.js';

// ---------------------------------------------------------------------------------------------
// Helpers

type Body<Op extends Operation> = Op extends Operation
  ? Omit<Op, 'thread' | 'call' | 'ret'>
  : never;

/** Builds an operation of `thread` that ran from stamp `call` to stamp `ret`. */
function op<Op extends Operation>(
  thread: number,
  call: number,
  ret: number | undefined,
  body: Body<Op>,
): Op {
  return { thread, call, ret, ...body } as unknown as Op;
}

const inc = (thread: number, call: number, ret: number | undefined, result?: number) =>
  op<CounterOperation>(thread, call, ret, { name: 'increment', args: [], result });
const get = (thread: number, call: number, ret: number | undefined, result?: number) =>
  op<CounterOperation>(thread, call, ret, { name: 'get', args: [], result });

const purchase = (
  thread: number,
  call: number,
  ret: number | undefined,
  sku: string,
  quantity: number,
  result?: InventoryOperation['result'],
) =>
  op<InventoryOperation>(thread, call, ret, {
    name: 'purchase',
    args: { sku, quantity },
    result,
  } as Body<InventoryOperation>);

const inventoryOp = (
  thread: number,
  call: number,
  ret: number | undefined,
  name: InventoryOperation['name'],
  args: unknown,
  result?: unknown,
) => op<InventoryOperation>(thread, call, ret, { name, args, result } as Body<InventoryOperation>);

function stocked(entries: Record<string, number>) {
  return inventoryModel(new Map(Object.entries(entries)));
}

/** Returns the failing result, or fails the test when the history passed. */
function expectViolation<State, Op extends Operation>(history: Op[], model: Model<State, Op>) {
  const result = checkLinearizability(history, model);
  if (result.linearizable !== false) {
    throw new Error(`expected a violation, got ${JSON.stringify(result)}`);
  }
  return result;
}

function keptOperations<Op>(result: { counterexample: { operations: { operation: Op }[] } }): Op[] {
  return result.counterexample.operations.map((described) => described.operation);
}

/** Returns every ordering of `items`. */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [items.slice()];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

// ---------------------------------------------------------------------------------------------
// Counter histories

describe('counter model', () => {
  const model = counterModel();

  it('accepts a sequential history', () => {
    const history = [inc(0, 1, 2, 1), inc(1, 3, 4, 2), get(0, 5, 6, 2)];
    expect(checkLinearizability(history, model).linearizable).toBe(true);
  });

  it('accepts three overlapping increments in every order', () => {
    for (const values of permutations([1, 2, 3])) {
      const history = [inc(0, 1, 6, values[0]), inc(1, 2, 5, values[1]), inc(2, 3, 4, values[2])];
      expect(checkLinearizability(history, model).linearizable, `values ${values}`).toBe(true);
    }
  });

  it('accepts a read overlapping an increment either way', () => {
    for (const seen of [0, 1]) {
      const history = [inc(0, 1, 4, 1), get(1, 2, 3, seen)];
      expect(checkLinearizability(history, model).linearizable, `get saw ${seen}`).toBe(true);
    }
  });

  it('rejects two increments returning one value', () => {
    const first = inc(0, 1, 3, 1);
    const second = inc(1, 2, 4, 1);
    const result = expectViolation([first, second], model);
    expect(keptOperations(result)).toEqual([first, second]);
    expect(result.counterexample.reason).toContain('increment()→1');
    expect(result.counterexample.minimal).toBe(true);
  });

  it('rejects a read older than a finished increment', () => {
    const done = inc(0, 1, 2, 1);
    const stale = get(1, 3, 4, 0);
    const result = expectViolation([done, stale], model);
    expect(keptOperations(result)).toEqual([done, stale]);
    expect(result.counterexample.prefix.map((d) => d.operation)).toEqual([done]);
    expect(result.counterexample.pending.map((d) => d.operation)).toEqual([stale]);
    expect(result.counterexample.state).toBe(1);
    expect(result.counterexample.reason).toContain('from counter=1 it returns 1');
  });

  it('accepts an unknown increment that took effect', () => {
    const history = [inc(0, 1, undefined), get(1, 5, 6, 1)];
    expect(checkLinearizability(history, model).linearizable).toBe(true);
  });

  it('accepts an unknown increment that never took effect', () => {
    const history = [inc(0, 1, undefined), get(1, 5, 6, 0), inc(1, 7, 8, 1)];
    expect(checkLinearizability(history, model).linearizable).toBe(true);
  });

  it('accepts an unknown increment taking effect late', () => {
    // Cut off at stamp 1, it takes effect only after the get at 5-6 that still reads 0.
    const history = [inc(0, 1, undefined), get(1, 5, 6, 0), get(1, 7, 8, 1)];
    expect(checkLinearizability(history, model).linearizable).toBe(true);
  });

  it('rejects an unknown increment used before its call', () => {
    const early = get(1, 1, 2, 1);
    const result = expectViolation([early, inc(0, 3, undefined)], model);
    expect(keptOperations(result)).toEqual([early]);
  });

  it('ignores the result of an unknown outcome', () => {
    const history = [inc(0, 1, undefined, 99), get(1, 5, 6, 1)];
    expect(checkLinearizability(history, model).linearizable).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Inventory histories

describe('inventory model', () => {
  it('rejects the classic oversell', () => {
    const first = purchase(0, 1, 3, 'A', 3, { ok: true, remaining: 2 });
    const second = purchase(1, 2, 4, 'A', 3, { ok: true, remaining: 2 });
    const result = expectViolation([first, second], stocked({ A: 5 }));
    expect(keptOperations(result)).toEqual([first, second]);
    expect(result.counterexample.reason).toContain('purchase(A,3)→ok remaining 2');
    expect(result.counterexample.reason).toContain(
      'from A=2 it returns insufficient-stock available 2',
    );
  });

  it('finds the oversell among unrelated operations', () => {
    const first = purchase(0, 10, 13, 'A', 3, { ok: true, remaining: 2 });
    const second = purchase(1, 11, 14, 'A', 3, { ok: true, remaining: 2 });
    const history = [
      inventoryOp(2, 1, 2, 'stock', { sku: 'A' }, { stock: 5 }),
      purchase(2, 3, 4, 'B', 1, { ok: true, remaining: 9 }),
      inventoryOp(3, 5, 8, 'restock', { sku: 'B' }, { stock: 12 }),
      purchase(2, 6, 7, 'B', 2, { ok: true, remaining: 7 }),
      first,
      second,
      inventoryOp(2, 12, 15, 'stock', { sku: 'B' }, { stock: 10 }),
      inventoryOp(2, 16, 17, 'stock', { sku: 'A' }, { stock: 2 }),
      purchase(3, 18, 19, 'A', 2, { ok: true, remaining: 0 }),
    ];
    const result = expectViolation(history, stocked({ A: 5, B: 10 }));
    expect(keptOperations(result)).toEqual([first, second]);
    expect(result.partitions).toBe(2);
    expect(result.counterexample.minimal).toBe(true);
  });

  it('rejects a lost restock', () => {
    const first = inventoryOp(
      0,
      1,
      3,
      'restock',
      { sku: 'A', quantity: 2 },
      { ok: true, stock: 7 },
    );
    const second = inventoryOp(
      1,
      2,
      4,
      'restock',
      { sku: 'A', quantity: 2 },
      { ok: true, stock: 7 },
    );
    const result = expectViolation([first, second], stocked({ A: 5 }));
    expect(keptOperations(result)).toEqual([first, second]);
    expect(result.counterexample.reason).toContain('from A=7 it returns stock 9');
  });

  it('rejects a stale stock read', () => {
    const sold = purchase(0, 1, 2, 'A', 3, { ok: true, remaining: 2 });
    const stale = inventoryOp(1, 3, 4, 'stock', { sku: 'A' }, { stock: 5 });
    const result = expectViolation([sold, stale], stocked({ A: 5 }));
    expect(keptOperations(result)).toEqual([sold, stale]);
    expect(result.counterexample.reason).toContain('from A=2 it returns 2');
  });

  it('rejects an order that one SKU could not cover', () => {
    const order = inventoryOp(
      0,
      1,
      2,
      'order',
      {
        lines: [
          { sku: 'A', quantity: 1 },
          { sku: 'B', quantity: 3 },
        ],
      },
      { ok: true },
    );
    const result = expectViolation([order], stocked({ A: 5, B: 2 }));
    expect(keptOperations(result)).toEqual([order]);
    expect(result.counterexample.reason).toContain(
      'insufficient-stock line 1 B requested 3 available 2',
    );
  });

  it('accepts an order concurrent with a restock that covers it', () => {
    const history = [
      inventoryOp(
        0,
        1,
        4,
        'order',
        {
          lines: [
            { sku: 'A', quantity: 1 },
            { sku: 'B', quantity: 3 },
          ],
        },
        { ok: true },
      ),
      inventoryOp(1, 2, 3, 'restock', { sku: 'B', quantity: 1 }, { ok: true, stock: 3 }),
      inventoryOp(1, 5, 6, 'stock', { sku: 'B' }, { stock: 0 }),
    ];
    expect(checkLinearizability(history, stocked({ A: 5, B: 2 })).linearizable).toBe(true);
  });

  it('combines the lines of one SKU', () => {
    const lines: OrderLine[] = [
      { sku: 'A', quantity: 3 },
      { sku: 'B', quantity: 1 },
      { sku: 'A', quantity: 3 },
    ];
    const shortfall = {
      ok: false,
      reason: 'insufficient-stock',
      line: 0,
      sku: 'A',
      requested: 6,
      available: 5,
    };
    const history = [inventoryOp(0, 1, 2, 'order', { lines }, shortfall)];
    expect(checkLinearizability(history, stocked({ A: 5, B: 5 })).linearizable).toBe(true);
    const wrongLine = [inventoryOp(0, 1, 2, 'order', { lines }, { ...shortfall, line: 2 })];
    expect(checkLinearizability(wrongLine, stocked({ A: 5, B: 5 })).linearizable).toBe(false);
  });

  it('reports the short SKU first in record order', () => {
    const lines: OrderLine[] = [
      { sku: 'B', quantity: 9 },
      { sku: 'A', quantity: 9 },
    ];
    const shortfall = {
      ok: false,
      reason: 'insufficient-stock',
      line: 1,
      sku: 'A',
      requested: 9,
      available: 1,
    };
    const history = [inventoryOp(0, 1, 2, 'order', { lines }, shortfall)];
    expect(checkLinearizability(history, stocked({ A: 1, B: 1 })).linearizable).toBe(true);
  });

  it('accepts holds that are committed and released', () => {
    const lines = [{ sku: 'A', quantity: 2 }];
    const history = [
      inventoryOp(0, 1, 2, 'hold', { lines }, { ok: true, hold: 7 }),
      inventoryOp(1, 3, 4, 'hold', { lines }, { ok: true, hold: 8 }),
      inventoryOp(0, 5, 6, 'stock', { sku: 'A' }, { stock: 1 }),
      inventoryOp(0, 7, 8, 'commit', { hold: 7 }, { ok: true }),
      inventoryOp(1, 9, 10, 'release', { hold: 8 }, { ok: true }),
      inventoryOp(0, 11, 12, 'stock', { sku: 'A' }, { stock: 3 }),
      inventoryOp(1, 13, 14, 'commit', { hold: 8 }, { ok: false, reason: 'already-settled' }),
      inventoryOp(0, 15, 16, 'release', { hold: 7 }, { ok: false, reason: 'already-settled' }),
    ];
    expect(checkLinearizability(history, stocked({ A: 5 })).linearizable).toBe(true);
  });

  it('rejects a hold committed twice', () => {
    const hold = inventoryOp(
      0,
      1,
      2,
      'hold',
      { lines: [{ sku: 'A', quantity: 2 }] },
      { ok: true, hold: 7 },
    );
    const first = inventoryOp(0, 3, 5, 'commit', { hold: 7 }, { ok: true });
    const second = inventoryOp(1, 4, 6, 'commit', { hold: 7 }, { ok: true });
    const result = expectViolation([hold, first, second], stocked({ A: 5 }));
    expect(keptOperations(result)).toEqual([first, second]);
    expect(result.counterexample.reason).toContain(
      'with no active hold 7 it returns already-settled',
    );
  });

  it('rejects a new hold reusing an active id', () => {
    const lines = [{ sku: 'A', quantity: 1 }];
    const first = inventoryOp(0, 1, 2, 'hold', { lines }, { ok: true, hold: 7 });
    const second = inventoryOp(1, 3, 4, 'hold', { lines }, { ok: true, hold: 7 });
    const result = expectViolation([first, second], stocked({ A: 5 }));
    expect(result.counterexample.reason).toContain('hold 7 is still active');
  });

  it('keeps a multi-SKU hold in one partition', () => {
    const history = [
      inventoryOp(
        0,
        1,
        2,
        'hold',
        {
          lines: [
            { sku: 'A', quantity: 1 },
            { sku: 'B', quantity: 1 },
          ],
        },
        { ok: true, hold: 1 },
      ),
      inventoryOp(0, 3, 4, 'release', { hold: 1 }, { ok: true }),
      inventoryOp(1, 5, 6, 'stock', { sku: 'C' }, { stock: 1 }),
      inventoryOp(1, 7, 8, 'stock', { sku: 'B' }, { stock: 1 }),
    ];
    const model = stocked({ A: 1, B: 1, C: 1 });
    const parts = model.partition?.(history) ?? [];
    expect(parts.map((part) => part.length).sort()).toEqual([1, 3]);
    expect(checkLinearizability(history, model)).toMatchObject({
      linearizable: true,
      partitions: 2,
    });
  });

  it('accepts a restock overflow as a RangeError', () => {
    const history = [
      inventoryOp(0, 1, 2, 'restock', { sku: 'A', quantity: 10 }, { error: 'RangeError' }),
      inventoryOp(0, 3, 4, 'stock', { sku: 'A' }, { stock: 2_147_483_640 }),
    ];
    expect(checkLinearizability(history, stocked({ A: 2_147_483_640 })).linearizable).toBe(true);
    const wrapped = [
      inventoryOp(
        0,
        1,
        2,
        'restock',
        { sku: 'A', quantity: 10 },
        { ok: true, stock: -2_147_483_646 },
      ),
    ];
    expect(checkLinearizability(wrapped, stocked({ A: 2_147_483_640 })).linearizable).toBe(false);
  });

  it('expects the error names of invalid arguments', () => {
    const model = stocked({ A: 5 });
    const cases: [InventoryOperation['name'], unknown, string][] = [
      ['purchase', { sku: 'Z', quantity: 1 }, 'RangeError'],
      ['purchase', { sku: 7, quantity: 1 }, 'TypeError'],
      ['purchase', { sku: 'A', quantity: 0 }, 'RangeError'],
      ['purchase', { sku: 'A', quantity: '1' }, 'TypeError'],
      ['order', { lines: [] }, 'TypeError'],
      [
        'order',
        {
          lines: [
            { sku: 'A', quantity: 2_147_483_647 },
            { sku: 'A', quantity: 1 },
          ],
        },
        'RangeError',
      ],
      ['stock', { sku: 'Z' }, 'RangeError'],
    ];
    for (const [name, args, error] of cases) {
      const right = [inventoryOp(0, 1, 2, name, args, { error })];
      expect(
        checkLinearizability(right, model).linearizable,
        `${name} ${JSON.stringify(args)}`,
      ).toBe(true);
      const other = error === 'TypeError' ? 'RangeError' : 'TypeError';
      const wrong = [inventoryOp(0, 1, 2, name, args, { error: other })];
      expect(
        checkLinearizability(wrong, model).linearizable,
        `${name} ${JSON.stringify(args)}`,
      ).toBe(false);
    }
  });

  it('accepts a timed-out call that changed nothing', () => {
    const history = [
      purchase(0, 1, 2, 'A', 3, { ok: false, reason: 'timed-out' }),
      inventoryOp(0, 3, 4, 'stock', { sku: 'A' }, { stock: 5 }),
    ];
    expect(checkLinearizability(history, stocked({ A: 5 })).linearizable).toBe(true);
  });

  it('models write-offs and returns', () => {
    const history = [
      inventoryOp(
        0,
        1,
        2,
        'writeOff',
        { sku: 'A', quantity: 9 },
        { ok: true, removed: 5, remaining: 0 },
      ),
      inventoryOp(0, 3, 4, 'acceptReturn', { sku: 'A', quantity: 2 }, { ok: true, stock: 2 }),
    ];
    expect(checkLinearizability(history, stocked({ A: 5 })).linearizable).toBe(true);
  });

  it('accepts unknown purchases with and without effect', () => {
    const model = stocked({ A: 5 });
    const tookEffect = [
      purchase(0, 1, undefined, 'A', 3),
      inventoryOp(1, 4, 5, 'stock', { sku: 'A' }, { stock: 2 }),
    ];
    expect(checkLinearizability(tookEffect, model).linearizable).toBe(true);
    const noEffect = [
      purchase(0, 1, undefined, 'A', 3),
      inventoryOp(1, 4, 5, 'stock', { sku: 'A' }, { stock: 5 }),
    ];
    expect(checkLinearizability(noEffect, model).linearizable).toBe(true);
    const impossible = [
      purchase(0, 1, undefined, 'A', 3),
      inventoryOp(1, 4, 5, 'stock', { sku: 'A' }, { stock: 1 }),
    ];
    expect(checkLinearizability(impossible, model).linearizable).toBe(false);
  });

  it('describes operations for reports', () => {
    const model = stocked({ A: 5 });
    const describe = model.describe as (op: InventoryOperation) => string;
    expect(describe(purchase(0, 1, 2, 'A', 3, { ok: true, remaining: 2 }))).toBe(
      'purchase(A,3)→ok remaining 2',
    );
    expect(describe(purchase(0, 1, undefined, 'A', 3))).toBe('purchase(A,3)→?');
    expect(
      describe(inventoryOp(0, 1, 2, 'order', { lines: [{ sku: 'A', quantity: 1 }] }, { ok: true })),
    ).toBe('order(A:1)→ok');
  });
});

// ---------------------------------------------------------------------------------------------
// Random histories

/** Deterministic pseudo-random numbers, so a failing seed can be replayed. */
class Random {
  readonly next: () => number;

  constructor(seed: number) {
    this.next = createRandom(seed);
  }

  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)] as T;
  }
}

interface SimulationOptions {
  readonly seed: number;
  readonly threads: number;
  readonly operations: number;
  readonly skus: readonly string[];
  readonly initial: number;
  /** Chance that a call is cut off, before or after it took effect. */
  readonly unknownRate?: number;
}

type Call = { name: InventoryOperation['name']; args: unknown };

/**
 * An executable inventory written independently of the model, used to produce results. Each
 * thread remembers the hold ids it received, so later commits and releases name real holds.
 */
class SimulatedInventory {
  readonly stock: Map<string, number>;
  readonly #holds = new Map<HoldId, Map<string, number>>();
  #nextHold = 1;

  constructor(skus: readonly string[], initial: number) {
    this.stock = new Map(skus.map((sku) => [sku, initial]));
  }

  apply(call: Call): unknown {
    const args = call.args as { sku: string; quantity: number; lines: OrderLine[]; hold: HoldId };
    const stock = this.stock;
    switch (call.name) {
      case 'purchase': {
        const have = stock.get(args.sku) as number;
        if (have < args.quantity)
          return { ok: false, reason: 'insufficient-stock', available: have };
        stock.set(args.sku, have - args.quantity);
        return { ok: true, remaining: have - args.quantity };
      }
      case 'restock':
        stock.set(args.sku, (stock.get(args.sku) as number) + args.quantity);
        return { ok: true, stock: stock.get(args.sku) };
      case 'stock':
        return { stock: stock.get(args.sku) };
      case 'order':
      case 'hold': {
        const wanted = new Map<string, number>();
        for (const line of args.lines)
          wanted.set(line.sku, (wanted.get(line.sku) ?? 0) + line.quantity);
        // Record order is the order of the SKU list, as in the engine.
        for (const sku of stock.keys()) {
          const need = wanted.get(sku);
          if (need !== undefined && need > (stock.get(sku) as number)) {
            const line = args.lines.findIndex((l) => l.sku === sku);
            return {
              ok: false,
              reason: 'insufficient-stock',
              line,
              sku,
              requested: need,
              available: stock.get(sku),
            };
          }
        }
        for (const [sku, need] of wanted) stock.set(sku, (stock.get(sku) as number) - need);
        if (call.name === 'order') return { ok: true };
        const id = this.#nextHold++;
        this.#holds.set(id, wanted);
        return { ok: true, hold: id };
      }
      case 'commit':
      case 'release': {
        const units = this.#holds.get(args.hold);
        if (units === undefined) return { ok: false, reason: 'already-settled' };
        this.#holds.delete(args.hold);
        if (call.name === 'release') {
          for (const [sku, n] of units) stock.set(sku, (stock.get(sku) as number) + n);
        }
        return { ok: true };
      }
      default:
        throw new Error(`simulation has no ${call.name}`);
    }
  }
}

function randomCall(random: Random, skus: readonly string[], holds: HoldId[]): Call {
  const roll = random.next();
  const sku = random.pick(skus);
  if (roll < 0.4) return { name: 'purchase', args: { sku, quantity: 1 + random.below(3) } };
  if (roll < 0.55) return { name: 'restock', args: { sku, quantity: 1 + random.below(4) } };
  if (roll < 0.7) return { name: 'stock', args: { sku } };
  if (roll < 0.85 || holds.length === 0) {
    const lines = Array.from({ length: 1 + random.below(2) }, () => ({
      sku: random.pick(skus),
      quantity: 1 + random.below(2),
    }));
    return { name: random.next() < 0.5 ? 'order' : 'hold', args: { lines } };
  }
  const hold = random.pick(holds);
  return { name: random.next() < 0.5 ? 'commit' : 'release', args: { hold } };
}

/**
 * Generates a linearizable history: every call goes through call, effect and return as three
 * separate events, and the events of different threads interleave at random.
 */
function simulateHistory(options: SimulationOptions): {
  history: InventoryOperation[];
  initial: Map<string, number>;
} {
  const random = new Random(options.seed);
  const inventory = new SimulatedInventory(options.skus, options.initial);
  const initial = new Map(inventory.stock);
  const unknownRate = options.unknownRate ?? 0;
  type Pending = { call: Call; stamp: number; applied: boolean; result?: unknown };
  const pending: (Pending | undefined)[] = new Array(options.threads).fill(undefined);
  const holdsOf: HoldId[][] = Array.from({ length: options.threads }, () => []);
  const history: InventoryOperation[] = [];
  let started = 0;
  let stamp = 0;

  while (started < options.operations || pending.some((p) => p !== undefined)) {
    const thread = random.below(options.threads);
    const current = pending[thread];
    if (current === undefined) {
      if (started >= options.operations) continue;
      pending[thread] = {
        call: randomCall(random, options.skus, holdsOf[thread] as HoldId[]),
        stamp: ++stamp,
        applied: false,
      };
      started++;
      continue;
    }
    const cutOff = random.next() < unknownRate / 2;
    if (cutOff || current.applied) {
      const ret = cutOff ? undefined : ++stamp;
      const result = cutOff ? undefined : current.result;
      history.push(
        inventoryOp(thread, current.stamp, ret, current.call.name, current.call.args, result),
      );
      const id = (result as { hold?: HoldId } | undefined)?.hold;
      if (current.call.name === 'hold' && id !== undefined) holdsOf[thread]?.push(id);
      pending[thread] = undefined;
      continue;
    }
    current.result = inventory.apply(current.call);
    current.applied = true;
  }
  return { history, initial };
}

/** Changes one result so that it differs from what happened. */
function corrupt(operation: InventoryOperation): InventoryOperation {
  const r = operation.result as Record<string, unknown>;
  let result: Record<string, unknown>;
  switch (operation.name) {
    case 'purchase':
      result = r.ok
        ? { ...r, remaining: (r.remaining as number) + 1 }
        : { ...r, available: (r.available as number) + 1 };
      break;
    case 'restock':
    case 'stock':
      result = { ...r, stock: (r.stock as number) + 1 };
      break;
    case 'commit':
    case 'release':
      result = r.ok ? { ok: false, reason: 'already-settled' } : { ok: true };
      break;
    default:
      result = r.ok
        ? {
            ...r,
            ok: false,
            reason: 'insufficient-stock',
            line: 0,
            sku: 'A',
            requested: 1,
            available: 0,
          }
        : { ok: true, hold: 999 };
  }
  return { ...operation, result } as InventoryOperation;
}

describe('random histories', () => {
  it('accept every simulated run', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const { history, initial } = simulateHistory({
        seed,
        threads: 2 + (seed % 4),
        operations: 80,
        skus: ['A', 'B', 'C'],
        initial: 4,
        unknownRate: seed % 3 === 0 ? 0.1 : 0,
      });
      const result = checkLinearizability(history, inventoryModel(initial));
      expect(result.linearizable, `seed ${seed}`).toBe(true);
    }
  });

  it('reject most runs with one corrupted result', () => {
    let caught = 0;
    const trials = 60;
    for (let seed = 1; seed <= trials; seed++) {
      const { history, initial } = simulateHistory({
        seed,
        threads: 3,
        operations: 60,
        skus: ['A', 'B'],
        initial: 4,
      });
      const random = new Random(seed * 7919);
      const candidates = history.filter((o) => o.ret !== undefined);
      const target = random.pick(candidates);
      const corrupted = history.map((o) => (o === target ? corrupt(o) : o));
      const result = checkLinearizability(corrupted, inventoryModel(initial));
      if (result.linearizable === false) {
        caught++;
        // The changed operation must be kept, or held to its result as an assumption.
        const { operations, assumed } = result.counterexample;
        const involved = [...operations.map((d) => d.operation), ...assumed].map((o) => o.call);
        expect(involved, `seed ${seed}`).toContain(target.call);
      }
    }
    // Concurrent operations can explain some changed results (a read overlapping a restock may
    // see either value), so not every corruption is a violation.
    expect(caught).toBeGreaterThanOrEqual(trials * 0.7);
  });

  it('checks 10,000 operations on 4 threads', { timeout: 120_000 }, () => {
    for (const skus of [['A'], ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H']]) {
      const { history, initial } = simulateHistory({
        seed: 42,
        threads: 4,
        operations: 10_000,
        skus,
        initial: 20,
      });
      expect(history).toHaveLength(10_000);
      const result = checkLinearizability(history, inventoryModel(initial));
      expect(result.linearizable, `skus ${skus.join(',')}`).toBe(true);
    }
  });

  it('checks a long counter history without recursion', { timeout: 60_000 }, () => {
    const history = Array.from({ length: 20_000 }, (_, i) =>
      inc(i % 4, 2 * i + 1, 2 * i + 2, i + 1),
    );
    expect(checkLinearizability(history, counterModel()).linearizable).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Options and input checks

describe('checkLinearizability inputs', () => {
  it('returns unknown after the timeout', () => {
    const { history, initial } = simulateHistory({
      seed: 3,
      threads: 4,
      operations: 5_000,
      skus: ['A'],
      initial: 20,
    });
    const result = checkLinearizability(history, inventoryModel(initial), { timeoutMs: 0.001 });
    expect(result).toMatchObject({ linearizable: 'unknown', reason: 'timed out' });
  });

  it('rejects a history that is not an array', () => {
    expect(() => checkLinearizability({} as never, counterModel())).toThrow(TypeError);
  });

  it('rejects a return stamp before the call', () => {
    expect(() => checkLinearizability([inc(0, 5, 4, 1)], counterModel())).toThrow(
      /history\[0\]\.ret/,
    );
  });

  it('rejects a model without step', () => {
    const model = { init: () => 0, key: (s: number) => s } as unknown as Model<
      number,
      CounterOperation
    >;
    expect(() => checkLinearizability([], model)).toThrow(/model\.step/);
  });

  it('rejects a partition that loses operations', () => {
    const model: Model<number, CounterOperation> = { ...counterModel(), partition: () => [] };
    expect(() => checkLinearizability([inc(0, 1, 2, 1)], model)).toThrow(/model\.partition/);
  });

  it('rejects a negative timeout', () => {
    expect(() => checkLinearizability([], counterModel(), { timeoutMs: -1 })).toThrow(/timeoutMs/);
  });

  it('skips shrinking when asked', () => {
    const history = [inc(0, 1, 2, 1), get(1, 3, 4, 1), inc(0, 5, 6, 1)];
    const result = expectViolation(history, counterModel());
    expect(result.counterexample.operations).toHaveLength(2);
    const unshrunk = checkLinearizability(history, counterModel(), { minimize: false });
    if (unshrunk.linearizable !== false) throw new Error('expected a violation');
    expect(unshrunk.counterexample.operations).toHaveLength(3);
    expect(unshrunk.counterexample.minimal).toBe(false);
  });
});
