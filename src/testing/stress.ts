/**
 * A stress runner in the manner of jcstress, for shared-memory code on Node.js worker threads.
 *
 * A stress module exports actors. Each round, `setup` resets the shared state in the calling
 * thread, a start barrier releases one stress thread per actor at once, and when every actor has
 * returned, `arbiter` reads the final state and names the round's outcome. The runner counts the
 * outcomes and grades them; one forbidden outcome fails the run. Threads are started once and
 * reused, so a round of trivial actors costs tens of microseconds. A run is bounded by rounds and
 * by time, and its seed repeats the random values and thread assignment of every round.
 *
 * A run proves only that the outcomes it saw were possible: it can find a race, never prove
 * that none exists.
 */

import { inspect } from 'node:util';

import { abortError } from '../errors.js';
import { show } from '../validate.js';
import { createRandom, deriveSeed, permutation } from './seeded-random.js';
import { StressError } from './stress-errors.js';
import { type Grade, Tally } from './stress-grading.js';
import { loadStressModule, type RoundInfo, type StressModule } from './stress-module.js';
import { resolveStressOptions, type StressOptions, type StressSettings } from './stress-options.js';
import type { ActorReport } from './stress-protocol.js';
import { assertNoForbidden, type StopReason, type StressResult } from './stress-report.js';
import { type RoundPlan, StressThreads } from './stress-threads.js';

export { createRandom, deriveSeed } from './seeded-random.js';
export { StressAssertionError, StressError } from './stress-errors.js';
export {
  GRADES,
  type Grade,
  type Grader,
  type GradeTable,
  type OutcomeCount,
} from './stress-grading.js';
export type {
  Actor,
  ActorContext,
  RoundInfo,
  SetupContext,
  StressModule,
} from './stress-module.js';
export type { StressOptions } from './stress-options.js';
export {
  assertNoForbidden,
  formatTally,
  type StopReason,
  type StressResult,
} from './stress-report.js';

/**
 * Runs the actors of a stress module for many rounds and returns the graded tally. It rejects
 * only when the run cannot go on: with `TypeError` or `RangeError` for invalid options, a bad
 * module or a bad value from it, with {@link StressError} when an actor, `setup` or `arbiter`
 * throws or a thread exits, with `TimeoutError` when a round outlasts `roundTimeoutMs`, and with
 * an `AbortError` when `signal` aborts. Forbidden outcomes do not reject: see
 * {@link assertStress}. The threads are terminated before the promise settles.
 */
export async function stress(options: StressOptions): Promise<StressResult> {
  const started = performance.now();
  const settings = resolveStressOptions(options);
  throwIfAborted(settings.signal);
  const module = await loadStressModule(settings.href);
  const threads = await StressThreads.start({
    href: settings.href,
    count: module.actors.length,
    shared: settings.shared,
    data: settings.data,
    resultBytes: settings.resultBytes,
    seed: settings.seed,
    timeoutMs: settings.roundTimeoutMs,
    signal: settings.signal,
  });
  const startupMs = performance.now() - started;
  try {
    const tally = new Tally(settings.grade, settings.unknownGrade);
    const progress = await runRounds(module, threads, settings, tally, started);
    return buildResult(settings, threads.count, tally, {
      ...progress,
      startupMs,
      elapsedMs: performance.now() - started,
    });
  } finally {
    await threads.close();
  }
}

/**
 * Runs {@link stress} and throws {@link StressAssertionError} (named `AssertionError`) when a
 * round ended in a forbidden outcome; its message contains the tally as a table. Returns the
 * result otherwise, so that a test can check more.
 */
export async function assertStress(options: StressOptions): Promise<StressResult> {
  const result = await stress(options);
  assertNoForbidden(result);
  return result;
}

/** How far a run got: rounds run, why it stopped, and rounds in which the actors overlapped. */
interface RunProgress {
  rounds: number;
  stoppedBy: StopReason;
  overlapped: number;
}

async function runRounds(
  module: StressModule,
  threads: StressThreads,
  settings: StressSettings,
  tally: Tally,
  started: number,
): Promise<RunProgress> {
  let sawForbidden = false;
  let overlapped = 0;
  for (let round = 0; ; round++) {
    const stoppedBy = stopReason(settings, round, started, sawForbidden);
    if (stoppedBy !== undefined) return { rounds: round, stoppedBy, overlapped };
    throwIfAborted(settings.signal);
    const outcome = await runRound(module, threads, settings, tally, round);
    sawForbidden ||= outcome.grade === 'forbidden';
    if (outcome.overlapped) overlapped++;
  }
}

function stopReason(
  settings: StressSettings,
  round: number,
  started: number,
  sawForbidden: boolean,
): StopReason | undefined {
  if (sawForbidden && settings.stopOnForbidden) return 'forbidden';
  if (round >= settings.maxRounds) return 'maxRounds';
  if (performance.now() - started >= settings.maxMs) return 'maxMs';
  return undefined;
}

async function runRound(
  module: StressModule,
  threads: StressThreads,
  settings: StressSettings,
  tally: Tally,
  round: number,
): Promise<{ grade: Grade; overlapped: boolean }> {
  const plan = planRound(settings, round, threads.count);
  const info: RoundInfo = { round, seed: plan.seed, data: settings.data };
  const { shared } = settings;

  await callHook('setup', info, settings.seed, () =>
    module.setup?.(shared, { ...info, random: createRandom(plan.seed) }),
  );
  const report = await threads.run(plan, settings.roundTimeoutMs, settings.signal);
  const results = report.actors.map((actor, index) => unwrapReport(actor, index, info, settings));
  const outcome = await callHook('arbiter', info, settings.seed, () =>
    module.arbiter === undefined ? describeResults(results) : module.arbiter(shared, results, info),
  );
  const grade = tally.add(checkOutcome(outcome, round), round, results);
  return { grade, overlapped: report.overlapped };
}

/**
 * Seeds of round `round`: the round's own seed, one per actor, and the thread assignment.
 * Stream -1 of the round seed draws the assignment, and streams 0 to n - 1 seed the actors.
 */
function planRound(settings: StressSettings, round: number, count: number): RoundPlan {
  const seed = deriveSeed(settings.seed, round);
  const identity = Array.from({ length: count }, (_, index) => index);
  const assignment = settings.permute
    ? permutation(count, createRandom(deriveSeed(seed, -1)))
    : identity;
  return { round, seed, assignment, actorSeeds: identity.map((actor) => deriveSeed(seed, actor)) };
}

/** Calls `setup` or `arbiter` and wraps what it throws in a {@link StressError}. */
async function callHook(
  name: 'setup' | 'arbiter',
  info: RoundInfo,
  seed: number,
  call: () => unknown,
): Promise<unknown> {
  try {
    return await call();
  } catch (error) {
    throw new StressError(
      `${name} threw in round ${info.round}: ${describeError(error)}`,
      info.round,
      seed,
      { cause: error },
    );
  }
}

function unwrapReport(
  report: ActorReport,
  actor: number,
  info: RoundInfo,
  settings: StressSettings,
): unknown {
  const where = `actor ${actor} in round ${info.round}`;
  switch (report.status) {
    case 'returned':
      return report.value;
    case 'threw':
      throw new StressError(
        `${where} threw ${describeError(report.error)}`,
        info.round,
        settings.seed,
        { cause: report.error },
      );
    case 'unclonable':
      throw new TypeError(
        `${where} returned a value that cannot be structured-cloned: ${report.message}`,
      );
    case 'too-large':
      throw new RangeError(
        `${where} returned a result of ${report.bytes} bytes when serialized; ` +
          `options.resultBytes is ${settings.resultBytes}`,
      );
    case 'pending':
      throw new StressError(
        `${where} signalled the end without a result`,
        info.round,
        settings.seed,
      );
  }
}

/** Formats the actors' results as the outcome of a module without an arbiter, as in "1, 0". */
function describeResults(results: readonly unknown[]): string {
  return results
    .map((result) => inspect(result, { breakLength: Number.POSITIVE_INFINITY }))
    .join(', ');
}

function checkOutcome(outcome: unknown, round: number): string {
  if (typeof outcome !== 'string' || outcome.length === 0) {
    throw new TypeError(
      `arbiter must return a non-empty outcome string; it returned ${show(outcome)} in round ` +
        `${round}`,
    );
  }
  return outcome;
}

function buildResult(
  settings: StressSettings,
  threads: number,
  tally: Tally,
  run: RunProgress & { startupMs: number; elapsedMs: number },
): StressResult {
  const outcomes = tally.rows();
  const counts: Record<string, number> = Object.create(null);
  for (const row of outcomes) counts[row.outcome] = row.count;
  const total = (grade: Grade) =>
    outcomes.filter((row) => row.grade === grade).reduce((sum, row) => sum + row.count, 0);
  const forbidden = total('forbidden');
  return {
    module: settings.href,
    threads,
    seed: settings.seed,
    ...run,
    outcomes,
    tally: counts,
    forbidden,
    interesting: total('interesting'),
    unknownGrade: settings.unknownGrade,
    passed: forbidden === 0 && run.rounds > 0,
  };
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : show(error);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}
