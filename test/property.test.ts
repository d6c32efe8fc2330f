/**
 * Property tests on real threads. fast-check generates a table (2 to 5 SKUs, stock 0 to 50,
 * `atomic` or `mutex`) and, for 2 to 4 worker threads, scripts of purchases, orders, holds
 * (committed, released, left open or left to expire), restocks, returns and write-offs. The
 * threads start together at the table's start barrier. After each run the buffer's invariants
 * are checked, and the buffer's counters are compared with the threads' own results.
 *
 * A failure message starts with fast-check's seed and path. To replay that counterexample:
 *
 *   STOCKROOM_PROPERTY_SEED=<seed> STOCKROOM_PROPERTY_PATH=<path> \
 *     npx vitest run test/property.test.ts
 *
 * which passes `{ seed, path }` to `fc.assert`. The replay repeats the generated table and
 * scripts, not the interleaving of the threads, so a failure that depends on timing may need a
 * few tries to show again. STOCKROOM_PROPERTY_RUNS raises the number of runs for a longer search.
 */
import fc from 'fast-check';
import { Piscina } from 'piscina';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  type HoldResult,
  Inventory,
  type OrderResult,
  type PurchaseResult,
  type RestockResult,
  type SettleResult,
  type Strategy,
  type WriteOffResult,
} from '../dist/src/index.js';

const MAX_THREADS = 4;
/** Bound on one run: the barrier wait and the scripts together. */
const RUN_TIMEOUT_MS = 10_000;
const DEFAULT_RUNS = 300;

interface Line {
  sku: string;
  quantity: number;
}

/** One step of a thread's script, as property-worker.mjs runs it. */
type Step =
  | {
      op: 'purchase' | 'restock' | 'acceptReturn' | 'writeOff';
      sku: string;
      quantity: number;
      latencyMs?: number;
    }
  | { op: 'order'; lines: Line[]; latencyMs?: number }
  | { op: 'hold'; lines: Line[]; key: number; expiresInMs?: number; latencyMs?: number }
  | { op: 'commit' | 'release'; key: number; pauseMs: number }
  | { op: 'releaseExpired' }
  | { op: 'pause'; ms: number };

/** Result of one step, as property-worker.mjs returns it. */
interface Outcome {
  result?: unknown;
  error?: string;
  skipped?: true;
}

/** A SKU as generated: an index that {@link expandScript} maps onto the table's SKUs. */
interface PlanLine {
  sku: number;
  quantity: number;
}

/** One generated operation. Its `latencyMs` is the wait between its check and its write. */
type Plan =
  | {
      kind: 'purchase' | 'restock' | 'acceptReturn' | 'writeOff';
      sku: number;
      quantity: number;
      latencyMs: number;
    }
  | { kind: 'order'; lines: PlanLine[]; latencyMs: number }
  | {
      kind: 'hold';
      lines: PlanLine[];
      latencyMs: number;
      settle: 'commit' | 'release' | 'leave';
      /** Steps of the same thread between the hold and its settle step. */
      settleAfter: number;
      pauseMs: number;
      expiresInMs: number | undefined;
    }
  | { kind: 'releaseExpired' }
  | { kind: 'pause'; ms: number };

interface Table {
  stocks: number[];
  strategy: Strategy;
}

interface Scenario {
  table: Table;
  plans: Plan[][];
}

const skuIndex = fc.nat({ max: 4 });
const units = fc.integer({ min: 1, max: 8 });
const planLines = fc.array(fc.record({ sku: skuIndex, quantity: units }), {
  minLength: 1,
  maxLength: 3,
});
// Mostly none: a short wait now and then keeps a lock held or a swap pending for longer.
const latency = fc.constantFrom(0, 0, 0, 0.05, 0.5);

const planArbitrary: fc.Arbitrary<Plan> = fc.oneof(
  fc.record({
    kind: fc.constant('purchase' as const),
    sku: skuIndex,
    quantity: units,
    latencyMs: latency,
  }),
  fc.record({ kind: fc.constant('order' as const), lines: planLines, latencyMs: latency }),
  fc.record({
    kind: fc.constant('hold' as const),
    lines: planLines,
    latencyMs: latency,
    settle: fc.constantFrom('commit' as const, 'release' as const, 'leave' as const),
    settleAfter: fc.nat({ max: 5 }),
    pauseMs: fc.nat({ max: 3 }),
    expiresInMs: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  }),
  // Restocks stay small, so totals remain far below the Int32 maximum of a SKU's stock.
  fc.record({
    kind: fc.constant('restock' as const),
    sku: skuIndex,
    quantity: fc.integer({ min: 1, max: 30 }),
    latencyMs: latency,
  }),
  fc.record({
    kind: fc.constant('acceptReturn' as const),
    sku: skuIndex,
    quantity: units,
    latencyMs: latency,
  }),
  fc.record({
    kind: fc.constant('writeOff' as const),
    sku: skuIndex,
    quantity: units,
    latencyMs: latency,
  }),
  fc.record({ kind: fc.constant('releaseExpired' as const) }),
  fc.record({ kind: fc.constant('pause' as const), ms: fc.integer({ min: 1, max: 2 }) }),
);

const scenarioArbitrary: fc.Arbitrary<Scenario> = fc.record({
  table: fc.record({
    stocks: fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 2, maxLength: 5 }),
    strategy: fc.constantFrom<Strategy>('atomic', 'mutex'),
  }),
  plans: fc.array(fc.array(planArbitrary, { minLength: 5, maxLength: 40, size: 'max' }), {
    minLength: 2,
    maxLength: MAX_THREADS,
  }),
});

const skuName = (index: number) => `SKU-${index}`;

function createTable(table: Table): Inventory {
  const initial = table.stocks.map((stock, i) => [skuName(i), stock] as const);
  return Inventory.create(initial, { strategy: table.strategy });
}

/**
 * Turns one thread's plans into steps. A hold's commit or release step goes `settleAfter`
 * plans later (or at the end of the script), so other steps run while the hold is open.
 */
function expandScript(plans: Plan[], skuCount: number): Step[] {
  const name = (index: number) => skuName(index % skuCount);
  const lines = (planned: PlanLine[]) =>
    planned.map((line) => ({ sku: name(line.sku), quantity: line.quantity }));
  const steps: Step[] = [];
  let waiting: { step: Step; after: number }[] = [];

  plans.forEach((plan, key) => {
    const latencyMs =
      'latencyMs' in plan && plan.latencyMs > 0 ? { latencyMs: plan.latencyMs } : {};
    switch (plan.kind) {
      case 'order':
        steps.push({ op: 'order', lines: lines(plan.lines), ...latencyMs });
        break;
      case 'hold': {
        const expiry = plan.expiresInMs === undefined ? {} : { expiresInMs: plan.expiresInMs };
        steps.push({ op: 'hold', lines: lines(plan.lines), key, ...expiry, ...latencyMs });
        if (plan.settle !== 'leave') {
          const settle: Step = { op: plan.settle, key, pauseMs: plan.pauseMs };
          waiting.push({ step: settle, after: plan.settleAfter + 1 });
        }
        break;
      }
      case 'releaseExpired':
        steps.push({ op: 'releaseExpired' });
        break;
      case 'pause':
        steps.push({ op: 'pause', ms: plan.ms });
        break;
      default:
        steps.push({ op: plan.kind, sku: name(plan.sku), quantity: plan.quantity, ...latencyMs });
    }
    for (const entry of waiting) entry.after--;
    steps.push(...waiting.filter((entry) => entry.after <= 0).map((entry) => entry.step));
    waiting = waiting.filter((entry) => entry.after > 0);
  });
  steps.push(...waiting.map((entry) => entry.step));
  return steps;
}

/** Runs one script per thread, all released together by the table's start barrier. */
async function runScripts(
  pool: Piscina,
  inventory: Inventory,
  scripts: Step[][],
): Promise<Outcome[][]> {
  const runs = scripts.map(
    (script) =>
      pool.run({
        buffer: inventory.buffer,
        script,
        barrierTimeoutMs: RUN_TIMEOUT_MS,
      }) as Promise<Outcome[]>,
  );
  const finished = Promise.all(runs);
  try {
    await inventory.barrier.release(scripts.length, RUN_TIMEOUT_MS);
  } catch (error) {
    // The workers that did arrive time out at the barrier on their own; their errors add nothing.
    finished.catch(() => undefined);
    throw error;
  }
  return finished;
}

interface OpenHold {
  lines: Line[];
  expiring: boolean;
}

/** Units per SKU according to the threads' own results, and what those results got wrong. */
class Ledger {
  readonly sold = new Map<string, number>();
  readonly restocked = new Map<string, number>();
  readonly returned = new Map<string, number>();
  readonly writtenOff = new Map<string, number>();
  readonly openHolds = new Map<string, OpenHold>();
  readonly problems: string[] = [];

  static of(scripts: Step[][], outcomes: Outcome[][]): Ledger {
    const ledger = new Ledger();
    scripts.forEach((script, thread) => {
      script.forEach((step, i) => {
        const where = `thread ${thread} step ${i} (${step.op})`;
        ledger.#record(step, outcomes[thread]?.[i], `${thread}:`, where);
      });
    });
    return ledger;
  }

  units(map: Map<string, number>, sku: string): number {
    return map.get(sku) ?? 0;
  }

  /** Units of `sku` in open holds, without and with those that have an expiry. */
  openUnits(sku: string): { fixed: number; expiring: number } {
    const units = { fixed: 0, expiring: 0 };
    for (const hold of this.openHolds.values()) {
      for (const line of hold.lines) {
        if (line.sku !== sku) continue;
        if (hold.expiring) units.expiring += line.quantity;
        else units.fixed += line.quantity;
      }
    }
    return units;
  }

  #add(map: Map<string, number>, sku: string, quantity: number): void {
    map.set(sku, (map.get(sku) ?? 0) + quantity);
  }

  #record(step: Step, outcome: Outcome | undefined, threadKey: string, where: string): void {
    if (outcome === undefined) {
      this.problems.push(`${where}: no result came back`);
      return;
    }
    if (outcome.error !== undefined) {
      this.problems.push(`${where}: threw ${outcome.error}`);
      return;
    }
    if (outcome.skipped) return;
    switch (step.op) {
      case 'purchase':
        this.#purchase(step, outcome.result as PurchaseResult, where);
        break;
      case 'order':
        this.#order(step.lines, outcome.result as OrderResult, where);
        break;
      case 'hold':
        this.#hold(step, outcome.result as HoldResult, threadKey, where);
        break;
      case 'commit':
      case 'release':
        this.#settle(step, outcome.result as SettleResult, threadKey, where);
        break;
      case 'restock':
      case 'acceptReturn':
        this.#restock(step, outcome.result as RestockResult, where);
        break;
      case 'writeOff':
        this.#writeOff(step, outcome.result as WriteOffResult, where);
        break;
      case 'releaseExpired':
        if (!Number.isInteger(outcome.result) || (outcome.result as number) < 0) {
          this.problems.push(`${where}: returned ${String(outcome.result)}`);
        }
        break;
      case 'pause':
        break;
    }
  }

  #purchase(step: { sku: string; quantity: number }, result: PurchaseResult, where: string) {
    if (result.ok) {
      this.#add(this.sold, step.sku, step.quantity);
      if (result.remaining < 0) this.problems.push(`${where}: ok with ${result.remaining} left`);
    } else if (result.reason !== 'insufficient-stock') {
      this.problems.push(`${where}: ${result.reason} without a timeout set`);
    }
  }

  #order(lines: Line[], result: OrderResult, where: string) {
    if (result.ok) {
      for (const line of lines) this.#add(this.sold, line.sku, line.quantity);
    } else if (result.reason !== 'insufficient-stock') {
      this.problems.push(`${where}: ${result.reason} without a timeout set`);
    }
  }

  #hold(
    step: { lines: Line[]; key: number; expiresInMs?: number },
    result: HoldResult,
    threadKey: string,
    where: string,
  ) {
    if (result.ok) {
      const expiring = step.expiresInMs !== undefined;
      this.openHolds.set(threadKey + step.key, { lines: step.lines, expiring });
    } else if (result.reason !== 'insufficient-stock') {
      this.problems.push(`${where}: ${result.reason}`);
    }
  }

  #settle(
    step: { op: 'commit' | 'release'; key: number },
    result: SettleResult,
    threadKey: string,
    where: string,
  ) {
    const hold = this.openHolds.get(threadKey + step.key);
    if (hold === undefined) {
      this.problems.push(`${where}: settles a hold that the ledger never saw open`);
      return;
    }
    this.openHolds.delete(threadKey + step.key);
    if (result.ok) {
      if (step.op === 'commit') {
        for (const line of hold.lines) this.#add(this.sold, line.sku, line.quantity);
      }
    } else if (result.reason !== 'expired' || !hold.expiring) {
      // Each hold is settled once, by its own thread: only an expiry may have come first.
      this.problems.push(`${where}: ${result.reason}`);
    }
  }

  #restock(
    step: { op: string; sku: string; quantity: number },
    result: RestockResult,
    where: string,
  ) {
    if (!result.ok) {
      this.problems.push(`${where}: ${result.reason} without a timeout set`);
      return;
    }
    const into = step.op === 'acceptReturn' ? this.returned : this.restocked;
    this.#add(into, step.sku, step.quantity);
  }

  #writeOff(step: { sku: string; quantity: number }, result: WriteOffResult, where: string) {
    if (!result.ok) {
      this.problems.push(`${where}: ${result.reason} without a timeout set`);
      return;
    }
    if (result.removed < 0 || result.removed > step.quantity || result.remaining < 0) {
      this.problems.push(`${where}: removed ${result.removed}, ${result.remaining} left`);
    }
    this.#add(this.writtenOff, step.sku, result.removed);
  }
}

/**
 * Compares the buffer with the ledger at a quiet point, then releases every hold that has an
 * expiry and compares the held units again. Returns every disagreement found.
 */
function checkRun(inventory: Inventory, ledger: Ledger): string[] {
  const problems = [...ledger.problems];
  const report = (sku: string, text: string) => problems.push(`${sku}: ${text}`);
  for (const violation of inventory.checkInvariants()) {
    report(violation.sku, `${violation.invariant} broken: ${violation.detail}`);
  }
  for (const record of inventory.snapshot()) {
    const { sku } = record;
    const sold = ledger.units(ledger.sold, sku);
    const restocked = ledger.units(ledger.restocked, sku);
    const returned = ledger.units(ledger.returned, sku);
    const writtenOff = ledger.units(ledger.writtenOff, sku);
    const open = ledger.openUnits(sku);
    if (record.sold !== sold) report(sku, `buffer sold ${record.sold}, results sold ${sold}`);
    if (record.restocked !== restocked + returned) {
      report(sku, `buffer restocked ${record.restocked}, results ${restocked} + ${returned}`);
    }
    if (record.returned !== returned)
      report(sku, `buffer returned ${record.returned}, results ${returned}`);
    if (record.writtenOff !== writtenOff) {
      report(sku, `buffer wrote off ${record.writtenOff}, results ${writtenOff}`);
    }
    const supply = record.initial + restocked + returned - writtenOff;
    if (sold > supply) report(sku, `results sold ${sold} of a supply of ${supply}`);
    // Holds left open with an expiry may have been released by another thread's sweep.
    if (record.held < open.fixed || record.held > open.fixed + open.expiring) {
      report(sku, `held ${record.held}, open holds ${open.fixed} + ${open.expiring} expiring`);
    }
    if (inventory.strategy === 'mutex' && inventory.lockState(sku).locked) {
      report(sku, 'lock still held after every thread finished');
    }
  }
  problems.push(...checkAfterSweep(inventory, ledger));
  return problems;
}

function checkAfterSweep(inventory: Inventory, ledger: Ledger): string[] {
  const problems: string[] = [];
  inventory.releaseExpiredHolds(Number.MAX_SAFE_INTEGER);
  for (const record of inventory.snapshot()) {
    const { fixed } = ledger.openUnits(record.sku);
    if (record.held !== fixed) {
      problems.push(`${record.sku}: held ${record.held} after the sweep, open holds ${fixed}`);
    }
  }
  const fixedHolds = [...ledger.openHolds.values()].filter((hold) => !hold.expiring).length;
  if (inventory.liveHolds() !== fixedHolds) {
    problems.push(`${inventory.liveHolds()} live holds after the sweep, ${fixedHolds} expected`);
  }
  for (const violation of inventory.checkInvariants()) {
    problems.push(`${violation.sku}: after the sweep, ${violation.detail}`);
  }
  return problems;
}

/** Runs one generated scenario on real threads and returns what its checks found. */
async function runScenario(pool: Piscina, scenario: Scenario): Promise<string[]> {
  const inventory = createTable(scenario.table);
  const skuCount = scenario.table.stocks.length;
  const scripts = scenario.plans.map((plans) => expandScript(plans, skuCount));
  const outcomes = await runScripts(pool, inventory, scripts);
  return checkRun(inventory, Ledger.of(scripts, outcomes));
}

function readReplay(): { seed?: number; path?: string; numRuns: number } {
  const { STOCKROOM_PROPERTY_SEED: seed, STOCKROOM_PROPERTY_PATH: path } = process.env;
  const runs = Number(process.env.STOCKROOM_PROPERTY_RUNS ?? DEFAULT_RUNS);
  if (seed !== undefined && !Number.isInteger(Number(seed))) {
    throw new RangeError(`STOCKROOM_PROPERTY_SEED must be an integer; received ${seed}`);
  }
  if (!Number.isInteger(runs) || runs < 1) {
    throw new RangeError(`STOCKROOM_PROPERTY_RUNS must be a positive integer; received ${runs}`);
  }
  return {
    numRuns: runs,
    ...(seed !== undefined && { seed: Number(seed) }),
    ...(path !== undefined && { path }),
  };
}

const pool = new Piscina({
  filename: new URL('./fixtures/property-worker.mjs', import.meta.url).href,
  minThreads: MAX_THREADS,
  maxThreads: MAX_THREADS,
  idleTimeout: Number.POSITIVE_INFINITY,
});

beforeAll(async () => {
  // Start every thread once, so that the first run does not measure thread start-up.
  const warmUp = Inventory.create({ A: 0 });
  await Promise.all(
    Array.from({ length: MAX_THREADS }, () =>
      pool.run({ buffer: warmUp.buffer, script: [], useBarrier: false }),
    ),
  );
});
// destroy, not close: after a timed-out run a thread may still be blocked in its script.
afterAll(() => pool.destroy());

describe('random mixes of operations across threads', () => {
  it('keep every invariant under atomic and mutex', async () => {
    const property = fc.asyncProperty(scenarioArbitrary, async (scenario) => {
      expect(await runScenario(pool, scenario)).toEqual([]);
    });
    await fc.assert(property, {
      ...readReplay(),
      // Shrinking a failure re-runs threads, so the time limit stops a flaky one from running on.
      plugins: [fc.timeout(RUN_TIMEOUT_MS * 2), fc.interruptAfterTimeLimit(60_000)],
    });
  }, 120_000);
});

describe('unsafe strategy as the control', () => {
  it('gives fast-check a counterexample', async () => {
    // Two buyers of 2 or 3 units with a 1 ms window between the check and the write, as in the
    // unsafe race tests: with a stock below their sum, both can pass the check.
    const buyer = fc.array(
      fc.record({
        kind: fc.constant('purchase' as const),
        sku: fc.constant(0),
        quantity: fc.integer({ min: 2, max: 3 }),
        latencyMs: fc.constant(1),
      }),
      { minLength: 1, maxLength: 3 },
    );
    const scenarios: fc.Arbitrary<Scenario> = fc.record({
      table: fc.record({
        stocks: fc.tuple(fc.integer({ min: 2, max: 6 })),
        strategy: fc.constant<Strategy>('unsafe'),
      }),
      plans: fc.tuple(buyer, buyer),
    });
    const property = fc.asyncProperty(scenarios, async (scenario) => {
      expect(await runScenario(pool, scenario)).toEqual([]);
    });
    // No shrinking: the failure depends on timing, and one counterexample is the point.
    const details = await fc.check(property, { numRuns: 40, endOnFailure: true });
    expect(details.failed).toBe(true);
    expect(details.counterexample).not.toBeNull();
  });
});
