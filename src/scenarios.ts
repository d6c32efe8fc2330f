import { AsyncInventory } from './async-inventory.js';
import type { Strategy } from './layout.js';
import { race } from './race.js';
import { checkLatency } from './validate.js';

/** One of the three verification scenarios: buyers start at once against one item. */
export interface Scenario {
  id: 'S1' | 'S2' | 'S3';
  title: string;
  stock: number;
  buyers: number;
  amount: number;
}

/** The figures a correct run must produce. */
export interface ScenarioFigures {
  successes: number;
  rejections: number;
  unitsSold: number;
  finalStock: number;
}

/** Place a scenario ran: one event loop with or without the lock, or threads. */
export type ScenarioMode = 'event loop, locked' | 'event loop, unlocked' | `threads, ${Strategy}`;

/** One scenario run beside what it should produce. */
export interface ScenarioResult {
  scenario: Scenario['id'];
  mode: ScenarioMode;
  measured: ScenarioFigures & { oversold: number; lostUpdates: number; wallMs: number };
  /** Exact figures a correct run produces; `null` where the run must break an invariant. */
  expected: ScenarioFigures | null;
  /** Expectation the run must meet, in words, where it has no exact figures. */
  expectation: string;
  /** Whether the measured run meets the expectation. */
  passed: boolean;
}

/** The scenarios with stock 10 from the verification set. */
export const SCENARIOS: readonly Scenario[] = [
  { id: 'S1', title: 'basic concurrency', stock: 10, buyers: 5, amount: 3 },
  { id: 'S2', title: 'heavy load', stock: 10, buyers: 20, amount: 1 },
  { id: 'S3', title: 'the race, shown', stock: 10, buyers: 5, amount: 3 },
];

/** Figures a correct engine gives: sales stop when the stock no longer covers a buyer. */
function correctFigures(scenario: Scenario): ScenarioFigures {
  const successes = Math.min(scenario.buyers, Math.floor(scenario.stock / scenario.amount));
  return {
    successes,
    rejections: scenario.buyers - successes,
    unitsSold: successes * scenario.amount,
    finalStock: scenario.stock - successes * scenario.amount,
  };
}

/** Figures without the lock in one event loop: every buyer passes the check during the wait. */
function unlockedFigures(scenario: Scenario): ScenarioFigures {
  const unitsSold = scenario.buyers * scenario.amount;
  return {
    successes: scenario.buyers,
    rejections: 0,
    unitsSold,
    finalStock: scenario.stock - unitsSold,
  };
}

/** Runs `scenario` in one event loop, every buyer started at once. */
export async function runInEventLoop(
  scenario: Scenario,
  locked: boolean,
  latencyMs: number,
): Promise<ScenarioResult> {
  const inventory = new AsyncInventory(scenario.stock, { locked, latencyMs });
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: scenario.buyers }, (_, buyer) =>
      inventory.purchase(`user-${buyer + 1}`, scenario.amount),
    ),
  );
  const wallMs = performance.now() - started;
  const successes = results.filter((result) => result.ok).length;
  const measured = {
    successes,
    rejections: scenario.buyers - successes,
    unitsSold: inventory.sold,
    finalStock: inventory.stock,
    oversold: Math.max(0, inventory.sold - scenario.stock),
    lostUpdates: inventory.sold - (scenario.stock - inventory.stock),
    wallMs,
  };
  const expected = locked ? correctFigures(scenario) : unlockedFigures(scenario);
  return {
    scenario: scenario.id,
    mode: locked ? 'event loop, locked' : 'event loop, unlocked',
    measured,
    expected,
    expectation: locked ? 'exact figures' : 'every buyer passes the check: exact figures',
    passed: sameFigures(measured, expected),
  };
}

/**
 * Runs `scenario` on worker threads, one thread per buyer, all released by the start barrier.
 * The `unsafe` discipline must oversell or lose an update; the others must match exactly.
 */
export async function runOnThreads(
  scenario: Scenario,
  strategy: Strategy,
  latencyMs: number,
): Promise<ScenarioResult> {
  const report = await race({
    strategy,
    threads: scenario.buyers,
    stock: scenario.stock,
    buyers: scenario.buyers,
    quantity: scenario.amount,
    latencyMs,
  });
  const measured = {
    successes: report.successes,
    rejections: report.rejections + report.timeouts,
    unitsSold: report.unitsSold,
    finalStock: report.finalStock,
    oversold: report.oversold,
    lostUpdates: report.lostUpdates,
    wallMs: report.wallMs,
  };
  const mode: ScenarioMode = `threads, ${strategy}`;
  if (strategy === 'unsafe') {
    return {
      scenario: scenario.id,
      mode,
      measured,
      expected: null,
      expectation: 'oversold units or lost updates, measured from the buffer',
      passed: report.oversold > 0 || report.lostUpdates !== 0,
    };
  }
  const expected = correctFigures(scenario);
  return {
    scenario: scenario.id,
    mode,
    measured,
    expected,
    expectation: 'exact figures',
    passed: sameFigures(measured, expected) && report.invariantsHeld,
  };
}

/**
 * Runs the verification set: S1 and S2 with the lock and on `atomic` and `mutex` threads, S3
 * without and with the lock and on `unsafe` threads.
 */
export async function runScenarios(latencyMs = 100): Promise<ScenarioResult[]> {
  checkLatency('latencyMs', latencyMs);
  const [s1, s2, s3] = SCENARIOS as [Scenario, Scenario, Scenario];
  const results: ScenarioResult[] = [];
  for (const scenario of [s1, s2]) {
    results.push(await runInEventLoop(scenario, true, latencyMs));
    results.push(await runOnThreads(scenario, 'atomic', latencyMs));
    results.push(await runOnThreads(scenario, 'mutex', latencyMs));
  }
  results.push(await runInEventLoop(s3, false, latencyMs));
  results.push(await runInEventLoop(s3, true, latencyMs));
  results.push(await runOnThreads(s3, 'unsafe', latencyMs));
  return results;
}

function sameFigures(measured: ScenarioFigures, expected: ScenarioFigures): boolean {
  return (
    measured.successes === expected.successes &&
    measured.rejections === expected.rejections &&
    measured.unitsSold === expected.unitsSold &&
    measured.finalStock === expected.finalStock
  );
}
