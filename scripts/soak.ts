/**
 * Soak run: sells from a `mutex` table and an `atomic` table for a bounded time, with pool
 * threads killed at random moments, then checks every invariant and prints the totals.
 *
 * Each table has its own StockEngine, fed by loops of purchases and purchaseBatch calls. The
 * `mutex` engine also runs injected faults, which kill or break its threads in the middle of a
 * purchase. A separate piscina pool (test/fixtures/property-worker.mjs) runs scripts of orders,
 * holds, restocks, returns and write-offs on both tables. Every result is entered in a ledger
 * per table, which must agree with the buffer's counters at the end.
 *
 * Faults run on the `mutex` table only. Its journal lets the engine repair a purchase
 * interrupted at any point. Under `atomic`, a thread terminated between its compare-and-swap
 * and its counter update leaves the stock and the counter disagreeing, and nothing records that
 * the swap happened, so no recovery could repair it.
 */
import { subscribe } from 'node:diagnostics_channel';
import { availableParallelism } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { Worker } from 'node:worker_threads';

import { Piscina } from 'piscina';
import {
  Inventory,
  OperationInterruptedError,
  type PurchaseResult,
  type RecoveryEvent,
  StockEngine,
  TimeoutError,
} from 'stockroom';
import { createRandom } from 'stockroom/testing';

const USAGE = `Usage: npm run soak -- [options]

Sells from a mutex and an atomic table on worker threads, killing threads at random moments,
then checks every invariant and prints the totals.

Options:
  --seconds N   how long to run, in seconds (default 60)
  --seed N      seed of the random choices, an integer from 0 to 4294967295 (default: random,
                printed). It repeats the choices of each loop, not the timing of the threads.
  --skus N      SKUs per table (default 300)
  --kill-pool   also terminate threads of the order pool at random and repair them with
                Inventory.recoverThread. Killed tasks lose their results, so the mutex table is
                then checked for its invariants and locks only, not against the ledger.
  --help        print this text

Exit code: 0 when every check passes, 1 when one fails, 2 for an invalid option.
`;

const FIXTURE_URL = new URL('../../test/fixtures/property-worker.mjs', import.meta.url);
const ENGINE_THREADS = 2;
const POOL_THREADS = 2;
/** How long the loops may take to finish their last operations after the deadline. */
const DRAIN_TIMEOUT_MS = 30_000;

interface Options {
  seconds: number;
  seed: number;
  skus: number;
  killPool: boolean;
}

/** A command-line mistake: printed as one line, exit code 2. */
class UsageError extends Error {}

function parseOptions(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      seconds: { type: 'string', default: '60' },
      seed: { type: 'string' },
      skus: { type: 'string', default: '300' },
      'kill-pool': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return null;
  const seed = values.seed ?? String(Math.floor(Math.random() * 2 ** 32));
  return {
    seconds: parseNumber('--seconds', values.seconds, 0.1, 86_400, false),
    seed: parseNumber('--seed', seed, 0, 2 ** 32 - 1, true),
    skus: parseNumber('--skus', values.skus, 1, 10_000, true),
    killPool: values['kill-pool'],
  };
}

function parseNumber(flag: string, text: string, min: number, max: number, whole: boolean) {
  const value = Number(text);
  if (
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (whole && !Number.isInteger(value))
  ) {
    const kind = whole ? 'an integer' : 'a number';
    throw new UsageError(`${flag} must be ${kind} from ${min} to ${max}; received ${text}`);
  }
  return value;
}

/** Seeded pseudo-random choices, repeatable for a seed, over the testing kit's generator. */
class Random {
  readonly next: () => number;

  constructor(seed: number) {
    this.next = createRandom(seed);
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)] as T;
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }
}

type Discipline = 'mutex' | 'atomic';

/** Units per SKU index according to the results the callers saw. */
class Ledger {
  readonly sold: number[];
  /** Units of interrupted purchases for which nothing shows whether they took effect. */
  readonly uncertain: number[];
  /** Units of injected faults that reported their purchase as taken. */
  readonly claimedByFaults: number[];
  readonly restocked: number[];
  readonly returned: number[];
  readonly writtenOff: number[];
  /** Whether every result reached the ledger. Killed pool tasks lose theirs. */
  complete = true;

  constructor(skus: number) {
    const zeros = () => new Array<number>(skus).fill(0);
    this.sold = zeros();
    this.uncertain = zeros();
    this.claimedByFaults = zeros();
    this.restocked = zeros();
    this.returned = zeros();
    this.writtenOff = zeros();
  }
}

/** One table with its engine and ledger. */
interface Side {
  discipline: Discipline;
  inventory: Inventory;
  engine: StockEngine;
  ledger: Ledger;
}

/** Everything the loops share. */
interface Run {
  options: Options;
  deadline: number;
  sides: Side[];
  pool: Piscina;
  outcomes: Map<string, number>;
  /** Problems found while running (unexpected errors, stock seen below 0), the first 1,000. */
  problems: string[];
  problemCount: number;
  threads: { started: number; killed: number; exits: Map<number, Promise<void>> };
  recoveries: { count: number; tookEffect: number; locksFreed: number };
  shuttingDown: boolean;
}

const skuName = (index: number) => `SKU-${String(index).padStart(5, '0')}`;
const sum = (values: number[]) => values.reduce((total, n) => total + n, 0);
const figure = (value: number) => value.toLocaleString('en-US');

function count(run: Run, discipline: Discipline, kind: string, outcome: string, times = 1): void {
  const key = `${discipline}\t${kind}\t${outcome}`;
  run.outcomes.set(key, (run.outcomes.get(key) ?? 0) + times);
}

function recordProblem(run: Run, problem: string): void {
  run.problemCount++;
  if (run.problems.length < 1000) run.problems.push(problem);
}

/**
 * Returns a function that enters the outcome of one engine purchase of `quantity` units of SKU
 * `sku`. An interrupted purchase that took effect counts in `ledger[effectFigure]`.
 */
function settlePurchase(
  run: Run,
  side: Side,
  kind: string,
  sku: number,
  quantity: number,
  effectFigure: 'sold' | 'claimedByFaults' = 'sold',
) {
  return (outcome: PurchaseResult | Error) => {
    const { ledger } = side;
    if (!(outcome instanceof Error)) {
      if (outcome.ok) ledger.sold[sku] = (ledger.sold[sku] ?? 0) + quantity;
      count(run, side.discipline, kind, outcome.ok ? 'ok' : outcome.reason);
    } else if (outcome instanceof OperationInterruptedError) {
      enterInterrupted(side.ledger[effectFigure], side, sku, quantity, outcome.tookEffect);
      count(run, side.discipline, kind, `interrupted, took effect: ${outcome.tookEffect}`);
    } else if (outcome instanceof TimeoutError || outcome.name === 'AbortError') {
      count(run, side.discipline, kind, outcome instanceof TimeoutError ? 'timed out' : 'aborted');
    } else {
      count(run, side.discipline, kind, `error ${outcome.name}`);
      recordProblem(run, `${side.discipline} ${kind} of ${skuName(sku)}: ${outcome.message}`);
    }
  };
}

function enterInterrupted(
  effectUnits: number[],
  side: Side,
  sku: number,
  quantity: number,
  tookEffect: boolean | null,
): void {
  const { uncertain } = side.ledger;
  if (tookEffect === true) effectUnits[sku] = (effectUnits[sku] ?? 0) + quantity;
  if (tookEffect === null) uncertain[sku] = (uncertain[sku] ?? 0) + quantity;
}

const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));

/** Calls `body` until the deadline passes, then returns. */
async function repeat(run: Run, body: () => Promise<void>): Promise<void> {
  while (Date.now() < run.deadline) await body();
}

/** Bursts of 1 to 8 purchases in one tick, some with a timeout or an abort signal. */
async function purchaseBurst(run: Run, side: Side, random: Random): Promise<void> {
  const calls = Array.from({ length: random.int(1, 8) }, () => {
    const sku = random.int(0, run.options.skus - 1);
    const quantity = random.int(1, 3);
    const roll = random.next();
    const options =
      roll < 0.1
        ? { timeoutMs: random.int(1, 50) }
        : roll < 0.2
          ? { signal: AbortSignal.timeout(random.int(1, 5)) }
          : undefined;
    const settle = settlePurchase(run, side, 'purchase', sku, quantity);
    return side.engine
      .purchase(skuName(sku), quantity, options)
      .then(settle, (error: unknown) => settle(asError(error)));
  });
  await Promise.all(calls);
}

async function purchaseBatch(run: Run, side: Side, random: Random): Promise<void> {
  const requests = Array.from({ length: random.int(1, 32) }, () => ({
    sku: random.int(0, run.options.skus - 1),
    quantity: random.int(1, 3),
  }));
  const named = requests.map(({ sku, quantity }) => ({ sku: skuName(sku), quantity }));
  try {
    const results = await side.engine.purchaseBatch(named);
    results.forEach((result, i) => {
      const { sku, quantity } = requests[i] as { sku: number; quantity: number };
      settlePurchase(run, side, 'batch purchase', sku, quantity)(result);
    });
  } catch (error) {
    // One rejection hides the results of the others, which ran anyway: their units are unknown.
    for (const { sku, quantity } of requests) {
      enterInterrupted(side.ledger.sold, side, sku, quantity, null);
    }
    count(run, side.discipline, 'batch', `rejected: ${asError(error).name}`);
  }
}

/** Injects one fault on a random SKU: its thread exits, throws or hangs until aborted. */
async function injectFault(run: Run, side: Side, random: Random): Promise<void> {
  const sku = random.int(0, run.options.skus - 1);
  const quantity = random.int(1, 3);
  const point = random.pick(['before-write', 'after-write'] as const);
  const action = random.pick(['exit', 'throw', 'hang'] as const);
  const controller = new AbortController();
  const abortAfter = random.int(0, 300);
  const timer = action === 'hang' ? setTimeout(() => controller.abort(), abortAfter) : undefined;
  const kind = `fault ${action} ${point}`;
  try {
    await side.engine.injectFault(skuName(sku), quantity, {
      point,
      action,
      signal: controller.signal,
    });
    recordProblem(run, `${kind} on ${skuName(sku)} resolved; it must always reject`);
  } catch (error) {
    const failure = asError(error);
    // A purchase rejected for lack of stock writes nothing, so its fault never fires.
    if (/did not fire/.test(failure.message)) count(run, side.discipline, kind, 'did not fire');
    else settlePurchase(run, side, kind, sku, quantity, 'claimedByFaults')(failure);
  } finally {
    clearTimeout(timer);
  }
  await delay(random.int(0, 100));
}

interface Line {
  sku: string;
  quantity: number;
}

/** One step of a pool script, as test/fixtures/property-worker.mjs runs it. */
type Step =
  | { op: 'purchase' | 'restock' | 'acceptReturn' | 'writeOff'; sku: string; quantity: number }
  | { op: 'order'; lines: Line[] }
  | { op: 'hold'; lines: Line[]; key: number; expiresInMs?: number }
  | { op: 'commit' | 'release'; key: number; pauseMs: number }
  | { op: 'releaseExpired' };

/** Makes a script of 10 to 40 steps for the order pool, in which every hold without an expiry
 * is settled. */
function makeScript(random: Random, skus: number): Step[] {
  const sku = () => skuName(random.int(0, skus - 1));
  const lines = () =>
    Array.from({ length: random.int(1, 3) }, () => ({ sku: sku(), quantity: random.int(1, 3) }));
  const steps: Step[] = [];
  const length = random.int(10, 40);
  for (let key = 0; key < length; key++) {
    const roll = random.next();
    if (roll < 0.2) steps.push({ op: 'purchase', sku: sku(), quantity: random.int(1, 3) });
    else if (roll < 0.4) steps.push({ op: 'order', lines: lines() });
    else if (roll < 0.6) steps.push(...holdSteps(random, key, lines()));
    else if (roll < 0.75) steps.push({ op: 'restock', sku: sku(), quantity: random.int(1, 40) });
    else if (roll < 0.82)
      steps.push({ op: 'acceptReturn', sku: sku(), quantity: random.int(1, 3) });
    else if (roll < 0.95) steps.push({ op: 'writeOff', sku: sku(), quantity: random.int(1, 3) });
    else steps.push({ op: 'releaseExpired' });
  }
  return steps;
}

/** Makes a hold step and, unless the hold is left to expire, its commit or release step. */
function holdSteps(random: Random, key: number, lines: Line[]): Step[] {
  // Only holds with an expiry are left open, because a hold without one would keep its slot
  // until the end, and the table has 1024 slots.
  const expiring = random.chance(0.4);
  const hold: Step = { op: 'hold', key, lines };
  if (expiring) hold.expiresInMs = random.int(1, 20);
  const settle = random.pick(expiring ? ['commit', 'release', 'leave'] : ['commit', 'release']);
  if (settle === 'leave') return [hold];
  return [hold, { op: settle as 'commit' | 'release', key, pauseMs: random.int(0, 3) }];
}

/** Result of one step, as property-worker.mjs returns it. */
interface Outcome {
  result?: { ok: boolean; reason?: string; removed?: number } | number | null;
  error?: string;
  skipped?: true;
}

/** Enters the results of one pool script in the ledger and the outcome counts. */
function enterScript(run: Run, side: Side, script: Step[], outcomes: Outcome[]): void {
  const holdLines = new Map<number, Line[]>();
  script.forEach((step, i) => {
    const { result, error, skipped } = outcomes[i] as Outcome;
    if (error !== undefined) {
      count(run, side.discipline, step.op, 'error');
      recordProblem(run, `${side.discipline} ${step.op}: ${error}`);
    } else if (skipped) {
      count(run, side.discipline, step.op, 'skipped, no hold');
    } else if (typeof result === 'number') {
      count(run, side.discipline, step.op, 'holds released', result);
    } else if (result) {
      count(run, side.discipline, step.op, result.ok ? 'ok' : (result.reason ?? 'rejected'));
      if (result.ok) enterStep(side, step, result.removed ?? 0, holdLines);
    }
  });
}

/** Enters one step that succeeded. For a write-off, `removed` is the units it removed. */
function enterStep(side: Side, step: Step, removed: number, holdLines: Map<number, Line[]>) {
  const { ledger, inventory } = side;
  const add = (figures: number[], sku: string, quantity: number) => {
    const index = inventory.indexOf(sku);
    figures[index] = (figures[index] ?? 0) + quantity;
  };
  switch (step.op) {
    case 'purchase':
    case 'restock':
      add(step.op === 'purchase' ? ledger.sold : ledger.restocked, step.sku, step.quantity);
      break;
    case 'acceptReturn':
      add(ledger.returned, step.sku, step.quantity);
      add(ledger.restocked, step.sku, step.quantity);
      break;
    case 'writeOff':
      add(ledger.writtenOff, step.sku, removed);
      break;
    case 'order':
      for (const line of step.lines) add(ledger.sold, line.sku, line.quantity);
      break;
    case 'hold':
      holdLines.set(step.key, step.lines);
      break;
    case 'commit':
      for (const line of holdLines.get(step.key) ?? []) {
        add(ledger.sold, line.sku, line.quantity);
      }
      break;
  }
}

/** Runs one script on the order pool. With --kill-pool, terminates some tasks at random. */
async function poolTask(run: Run, random: Random): Promise<void> {
  const side = random.pick(run.sides);
  const script = makeScript(random, run.options.skus);
  const owner = new SharedArrayBuffer(4);
  const kill = run.options.killPool && side.discipline === 'mutex' && random.chance(0.2);
  const controller = new AbortController();
  if (kill) setTimeout(() => controller.abort(), random.int(0, 5));
  const task = {
    buffer: side.inventory.buffer,
    tableId: side.discipline,
    script,
    useBarrier: false,
    owner,
  };
  try {
    const outcomes = (await run.pool.run(task, { signal: controller.signal })) as Outcome[];
    enterScript(run, side, script, outcomes);
  } catch (error) {
    side.ledger.complete = false;
    if (asError(error).name !== 'AbortError') {
      count(run, side.discipline, 'pool task', 'failed');
      recordProblem(run, `${side.discipline} pool task failed: ${asError(error).message}`);
      return;
    }
    count(run, side.discipline, 'pool task', 'killed');
    await recoverPoolThread(run, side, Atomics.load(new Int32Array(owner), 0));
  }
}

async function recoverPoolThread(run: Run, side: Side, owner: number): Promise<void> {
  // 0: the task was aborted before a thread took it, so no thread died.
  if (owner === 0) return;
  await run.threads.exits.get(owner - 1);
  const repair = side.inventory.recoverThread(owner);
  const write = repair.operation === null ? 'no write' : `${repair.operation} ${repair.tookEffect}`;
  count(run, side.discipline, 'pool thread repair', `${write}, locks freed: ${repair.locksFreed}`);
}

/** Releases expired holds from the main thread and checks that no stock is below 0. */
function sweep(run: Run): void {
  for (const side of run.sides) {
    const released = side.inventory.releaseExpiredHolds();
    count(run, side.discipline, 'main-thread sweep', 'holds released', released);
    for (const record of side.inventory.snapshot()) {
      if (record.stock < 0) {
        recordProblem(run, `${side.discipline} ${record.sku}: stock ${record.stock} while running`);
      }
    }
  }
}

function watchThreads(run: Run): void {
  process.on('worker', (worker: Worker) => {
    run.threads.started++;
    const exited = new Promise<void>((resolve) =>
      worker.once('exit', () => {
        if (!run.shuttingDown) run.threads.killed++;
        resolve();
      }),
    );
    run.threads.exits.set(worker.threadId, exited);
  });
  subscribe('stockroom:recovery', (message) => {
    const event = message as RecoveryEvent;
    run.recoveries.count++;
    if (event.tookEffect) run.recoveries.tookEffect++;
    run.recoveries.locksFreed += event.locksFreed;
  });
}

function createSide(discipline: Discipline, options: Options, random: Random): Side {
  const stock = Array.from(
    { length: options.skus },
    (_, i) => [skuName(i), random.int(20, 200)] as const,
  );
  const inventory = Inventory.create(stock, { strategy: discipline });
  const engine = new StockEngine(inventory, {
    threads: ENGINE_THREADS,
    faultInjection: discipline === 'mutex',
  });
  return { discipline, inventory, engine, ledger: new Ledger(options.skus) };
}

/** Starts every loop; each one has its own generator, so its choices repeat for a seed. */
function startLoops(run: Run): Promise<void>[] {
  let stream = 0;
  const random = () => new Random(run.options.seed + 0x9e3779b9 * ++stream);
  const loops: Promise<void>[] = [];
  for (const side of run.sides) {
    for (let i = 0; i < 2; i++) {
      const own = random();
      loops.push(repeat(run, () => purchaseBurst(run, side, own)));
    }
    const batches = random();
    loops.push(repeat(run, () => purchaseBatch(run, side, batches)));
    if (side.discipline === 'mutex') {
      const faults = random();
      loops.push(repeat(run, () => injectFault(run, side, faults)));
    }
  }
  for (let i = 0; i < POOL_THREADS; i++) {
    const own = random();
    loops.push(repeat(run, () => poolTask(run, own)));
  }
  return loops;
}

function progressLine(run: Run, startedAt: number): string {
  const elapsed = Math.round((Date.now() - startedAt) / 1000);
  const operations = sum([...run.outcomes.values()]);
  return (
    `${elapsed} s of ${run.options.seconds} s  operations ${figure(operations)}  ` +
    `threads killed ${run.threads.killed}  recoveries ${run.recoveries.count}  ` +
    `problems ${run.problemCount}`
  );
}

/** Waits for the loops until DRAIN_TIMEOUT_MS after the deadline. Returns `false` if some
 * had not finished by then. */
async function drain(run: Run, loops: Promise<void>[]): Promise<boolean> {
  const waitMs = run.deadline - Date.now() + DRAIN_TIMEOUT_MS;
  const timeout = delay(waitMs, false, { ref: false });
  return Promise.race([Promise.all(loops).then(() => true), timeout]);
}

/**
 * Checks each table after the final sweep and compares it with its ledger. Without a complete
 * ledger, holds that killed tasks left open are expected, so only the invariants and the locks
 * are checked. Returns what disagrees.
 */
function checkSide(side: Side): string[] {
  const problems: string[] = [];
  const { inventory, ledger, discipline } = side;
  for (const violation of inventory.checkInvariants()) {
    problems.push(
      `${discipline} ${violation.sku}: ${violation.invariant} broken: ${violation.detail}`,
    );
  }
  if (ledger.complete && inventory.liveHolds() !== 0) {
    problems.push(`${discipline}: ${inventory.liveHolds()} holds live after the final sweep`);
  }
  inventory.snapshot().forEach((record, index) => {
    const where = `${discipline} ${record.sku}`;
    if (discipline === 'mutex' && inventory.lockState(record.sku).locked) {
      problems.push(`${where}: lock still held after every thread ended`);
    }
    if (!ledger.complete) return;
    if (record.held !== 0) problems.push(`${where}: held ${record.held} after the final sweep`);
    problems.push(...compareLedger(where, record, ledger, index));
  });
  return problems;
}

function compareLedger(
  where: string,
  record: ReturnType<Inventory['snapshot']>[number],
  ledger: Ledger,
  index: number,
): string[] {
  const problems: string[] = [];
  const sold = (ledger.sold[index] ?? 0) + (ledger.claimedByFaults[index] ?? 0);
  const unsure = ledger.uncertain[index] ?? 0;
  if (record.sold < sold || record.sold > sold + unsure) {
    problems.push(`${where}: buffer sold ${record.sold}, results ${sold} + up to ${unsure}`);
  }
  const figures = [
    ['restocked', record.restocked, ledger.restocked[index]],
    ['returned', record.returned, ledger.returned[index]],
    ['written off', record.writtenOff, ledger.writtenOff[index]],
  ] as const;
  for (const [name, buffer, results] of figures) {
    if (buffer !== results) problems.push(`${where}: buffer ${name} ${buffer}, results ${results}`);
  }
  return problems;
}

function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return /^[\d,]+$/.test(cell) ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join(
    '\n',
  );
}

function finalFigures(run: Run): string {
  const rows = run.sides.map((side) => {
    const totals = {
      initial: 0,
      restocked: 0,
      returned: 0,
      sold: 0,
      writtenOff: 0,
      held: 0,
      stock: 0,
    };
    for (const record of side.inventory.snapshot()) {
      for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += record[key];
    }
    const uncertain = sum(side.ledger.uncertain);
    return [side.discipline, ...Object.values(totals).map(figure), figure(uncertain)];
  });
  const headers = ['discipline', 'initial', 'restocked', 'returned', 'sold', 'written off', 'held'];
  return formatTable([...headers, 'stock', 'sold, effect unknown'], rows);
}

/** Compares what injected faults reported as taken with what the buffer shows they sold. */
function faultClaims(run: Run): string[] {
  return run.sides.flatMap((side) => {
    const claimed = sum(side.ledger.claimedByFaults);
    if (claimed === 0 || !side.ledger.complete) return [];
    const bufferSold = sum(side.inventory.snapshot().map((record) => record.sold));
    const soldByFaults = bufferSold - sum(side.ledger.sold);
    const unknown = sum(side.ledger.uncertain);
    return [
      `Injected faults on ${side.discipline}: ${figure(claimed)} units reported as taken; ` +
        `the buffer shows ${figure(soldByFaults)} sold beyond the other results` +
        (unknown > 0 ? ` (${figure(unknown)} of those units of unknown effect)` : ''),
    ];
  });
}

function report(run: Run, problems: string[], problemCount: number): string {
  const outcomeRows = [...run.outcomes]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, n]) => [...key.split('\t'), figure(n)]);
  const { threads, recoveries } = run;
  return [
    'Operations',
    formatTable(['table', 'kind', 'outcome', 'count'], outcomeRows),
    '',
    `Threads: ${threads.started} started, ${threads.killed} killed before shutdown`,
    `Recoveries: ${recoveries.count} (write took effect: ${recoveries.tookEffect}, ` +
      `locks freed: ${recoveries.locksFreed})`,
    ...faultClaims(run),
    `Invariant violations and disagreements: ${problemCount}`,
    ...problems.slice(0, 50).map((problem) => `  ${problem}`),
    '',
    'Final figures',
    finalFigures(run),
    '',
  ].join('\n');
}

async function soak(options: Options): Promise<number> {
  const random = new Random(options.seed);
  const run: Run = {
    options,
    deadline: Date.now() + options.seconds * 1000,
    sides: [],
    pool: new Piscina({
      filename: FIXTURE_URL.href,
      minThreads: POOL_THREADS,
      maxThreads: POOL_THREADS,
      idleTimeout: Number.POSITIVE_INFINITY,
    }),
    outcomes: new Map(),
    problems: [],
    problemCount: 0,
    threads: { started: 0, killed: 0, exits: new Map() },
    recoveries: { count: 0, tookEffect: 0, locksFreed: 0 },
    shuttingDown: false,
  };
  watchThreads(run);
  run.sides = [createSide('mutex', options, random), createSide('atomic', options, random)];
  process.stdout.write(
    `Soak: ${options.seconds} s, seed ${options.seed}, ${options.skus} SKUs per table, ` +
      `Node.js ${process.version}, ${availableParallelism()} CPUs\n`,
  );

  const startedAt = Date.now();
  const ticker = setInterval(() => {
    sweep(run);
    if (process.stdout.isTTY) process.stdout.write(`\r\x1b[K${progressLine(run, startedAt)}`);
  }, 1000);
  const drained = await drain(run, startLoops(run));
  clearInterval(ticker);
  if (process.stdout.isTTY) process.stdout.write('\r\x1b[K');

  const problems = [...run.problems];
  if (!drained) problems.push(`operations still running ${DRAIN_TIMEOUT_MS} ms after the deadline`);
  run.shuttingDown = true;
  if (drained) {
    await Promise.all(run.sides.map((side) => side.engine.close()));
    await run.pool.close();
  }
  for (const side of run.sides) {
    side.inventory.releaseExpiredHolds(Number.MAX_SAFE_INTEGER);
    problems.push(...checkSide(side));
  }
  // run.problems keeps the first 1,000 found while running; the count covers all of them.
  const problemCount = problems.length + run.problemCount - run.problems.length;
  process.stdout.write(report(run, problems, problemCount));
  return problemCount === 0 ? 0 : 1;
}

async function main(): Promise<void> {
  let options: Options | null;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`soak: ${asError(error).message}\n`);
    process.exit(2);
  }
  if (options === null) {
    process.stdout.write(USAGE);
    return;
  }
  const code = await soak(options);
  // Exit at once: after a failed drain, stuck pool threads would keep the process alive.
  process.exit(code);
}

await main();
