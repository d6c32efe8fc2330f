/**
 * The targets of the benchmark page. Each one is a ratio of two figures measured in the same
 * run, because absolute rates drift 10-40 % between runs on shared machines.
 */
import { formatNanoseconds, formatRate, formatRatio } from './format.js';
import type { Row, SuiteId, SuiteResult, TargetResult } from './model.js';
import { LOCK_ROWS } from './suites/async-lock.js';
import { ENGINE_ROWS } from './suites/engine-paths.js';
import { WAITER_ROW } from './suites/hot-sku.js';
import { REPLAY_PHASE_KEY, REPLAY_ROWS } from './suites/replay.js';
import { spreadRowId } from './suites/spread-skus.js';

/** A row of one suite. */
interface RowRef {
  suite: SuiteId;
  row: string;
}

/** Maximum share of its wait that a thread blocked on a `mutex` lock may spend on a CPU. */
export const WAITER_CPU_SHARE = 0.05;

interface TargetSpec {
  id: string;
  title: string;
  comparison: '>=' | '<=';
  threshold: number;
  /** Computes the ratio from the run's rows, or returns why it cannot. */
  measure(find: (ref: RowRef) => Row | undefined): { ratio: number; detail: string } | string;
}

/** Builds the targets, comparing the engine and the bare loops at `threads` threads. */
export function targetSpecs(threads: number): TargetSpec[] {
  return [
    rateRatio({
      id: 'batch-vs-cas',
      title:
        'Batched purchases on a hot SKU reach at least 0.9 times a bare compare-and-swap loop ' +
        'with the same threads: the engine adds under 10 %.',
      threshold: 0.9,
      numerator: { suite: 'hot-sku', row: `engine-batch-${threads}` },
      denominator: { suite: 'hot-sku', row: `cas-loop-${threads}` },
      reference: {
        label: 'a plain inventory.purchase() loop in the same threads against the same CAS loop',
        numerator: { suite: 'hot-sku', row: `atomic-${threads}` },
        denominator: { suite: 'hot-sku', row: `cas-loop-${threads}` },
      },
    }),
    rateRatio({
      id: 'in-flight-vs-task-per-purchase',
      title:
        '10,000 `engine.purchase()` calls in flight reach at least 50 times the throughput of ' +
        'one piscina task per purchase.',
      threshold: 50,
      numerator: { suite: 'engine-paths', row: ENGINE_ROWS.engineInFlight },
      denominator: { suite: 'engine-paths', row: ENGINE_ROWS.piscinaPerPurchase },
    }),
    {
      id: 'awaited-vs-round-trip',
      title:
        'A single awaited `engine.purchase()` takes at most 1.2 times a bare piscina round trip.',
      comparison: '<=',
      threshold: 1.2,
      measure(find) {
        const engine = find({ suite: 'engine-paths', row: ENGINE_ROWS.engineAwaited });
        const bare = find({ suite: 'engine-paths', row: ENGINE_ROWS.piscinaAwaited });
        if (engine === undefined || bare === undefined) return 'a round-trip row was not measured';
        const engineNs = 1e9 / engine.opsPerSecond;
        const bareNs = 1e9 / bare.opsPerSecond;
        return {
          ratio: engineNs / bareNs,
          detail: `${formatNanoseconds(engineNs)} per awaited call / ${formatNanoseconds(bareNs)} per bare round trip`,
        };
      },
    },
    rateRatio({
      id: 'padded-vs-unpadded',
      title:
        'Padded records give at least 1.5 times the throughput of unpadded ones for two ' +
        'threads on two SKUs (`atomic`).',
      threshold: 1.5,
      numerator: { suite: 'spread-skus', row: spreadRowId('atomic', true) },
      denominator: { suite: 'spread-skus', row: spreadRowId('atomic', false) },
      reference: {
        label: 'the hardware alone, bare Atomics.sub on separate cache lines against one line',
        numerator: { suite: 'spread-skus', row: spreadRowId('atomic-sub', true) },
        denominator: { suite: 'spread-skus', row: spreadRowId('atomic-sub', false) },
      },
    }),
    rateRatio({
      id: 'mutex-vs-atomic',
      title: '`mutex` reaches at least 0.5 times `atomic` on a hot SKU with two threads.',
      threshold: 0.5,
      numerator: { suite: 'hot-sku', row: 'mutex-2' },
      denominator: { suite: 'hot-sku', row: 'atomic-2' },
    }),
    {
      id: 'waiter-cpu',
      title:
        'A thread waiting for a `mutex` lock held 100 ms uses almost no CPU: at most ' +
        `${WAITER_CPU_SHARE * 100} % of its wait.`,
      comparison: '<=',
      threshold: WAITER_CPU_SHARE,
      measure(find) {
        const extra = find({ suite: 'hot-sku', row: WAITER_ROW })?.extra;
        if (extra?.cpuMs === undefined || extra.waitMs === undefined) {
          return (
            'the waiting thread\u2019s CPU time was not measured: it needs Linux\u2019s ' +
            '/proc/thread-self/schedstat and a sample in which the thread found the lock held'
          );
        }
        return {
          ratio: extra.cpuMs / extra.waitMs,
          detail: `${extra.cpuMs.toFixed(3)} ms of CPU in a wait of ${extra.waitMs.toFixed(1)} ms (lock held ${extra.lockHeldMs} ms)`,
        };
      },
    },
    rateRatio({
      id: 'asynclock-vs-async-mutex',
      title:
        '`AsyncLock` reaches at least 10 times the throughput of async-mutex\u2019s ' +
        '`runExclusive` (a burst of calls started at once).',
      threshold: 10,
      numerator: { suite: 'async-lock', row: LOCK_ROWS.asyncLockBurst },
      denominator: { suite: 'async-lock', row: LOCK_ROWS.asyncMutexBurst },
      reference: {
        label: 'the same locks with calls awaited one at a time',
        numerator: { suite: 'async-lock', row: LOCK_ROWS.asyncLockAwaited },
        denominator: { suite: 'async-lock', row: LOCK_ROWS.asyncMutexAwaited },
      },
    }),
    {
      id: 'replay-vs-parse',
      title:
        'The replay runs at no less than 0.7 times the parse-only rate (`ReplayReader` without ' +
        'the engine): reading the data, not the engine, is the bottleneck.',
      comparison: '>=',
      threshold: 0.7,
      measure(find) {
        const replay = find({ suite: 'replay', row: REPLAY_ROWS.replay });
        const reader = find({ suite: 'replay', row: REPLAY_ROWS.reader });
        if (replay === undefined || reader === undefined) return 'the replay row was not measured';
        const phase = replay.extra?.[REPLAY_PHASE_KEY];
        const phaseNote =
          phase === undefined
            ? ''
            : `; the replay phase alone, as replay() times it: ${formatRate(phase)} lines/s, ` +
              `${(phase / reader.opsPerSecond).toFixed(2)} times the parse-only rate`;
        return {
          ratio: replay.opsPerSecond / reader.opsPerSecond,
          detail:
            `whole replay() call: ${formatRate(replay.opsPerSecond)} lines/s / ReplayReader: ` +
            `${formatRate(reader.opsPerSecond)} lines/s${phaseNote}`,
        };
      },
    },
  ];
}

/** Builds a target on the ratio of two rows' rates. */
function rateRatio(spec: {
  id: string;
  title: string;
  threshold: number;
  numerator: RowRef;
  denominator: RowRef;
  /** A second ratio from the same run that helps read the first, shown in its figures. */
  reference?: { label: string; numerator: RowRef; denominator: RowRef };
}): TargetSpec {
  return {
    id: spec.id,
    title: spec.title,
    comparison: '>=',
    threshold: spec.threshold,
    measure(find) {
      const numerator = find(spec.numerator);
      const denominator = find(spec.denominator);
      if (numerator === undefined) return `row ${spec.numerator.row} was not measured`;
      if (denominator === undefined) return `row ${spec.denominator.row} was not measured`;
      let detail =
        `${describe(numerator)}: ${formatRate(numerator.opsPerSecond)} ops/s / ` +
        `${describe(denominator)}: ${formatRate(denominator.opsPerSecond)} ops/s`;
      const { reference } = spec;
      const referenceTop = reference && find(reference.numerator);
      const referenceBottom = reference && find(reference.denominator);
      if (reference && referenceTop && referenceBottom) {
        const ratio = referenceTop.opsPerSecond / referenceBottom.opsPerSecond;
        detail += `; for reference, ${reference.label}: ${formatRatio(ratio)}`;
      }
      return { ratio: numerator.opsPerSecond / denominator.opsPerSecond, detail };
    },
  };
}

function describe(row: Row): string {
  return row.threads === undefined ? row.label : `${row.label}, ${row.threads} threads`;
}

/** Checks every target against the suites of one run. */
export function checkTargets(suites: readonly SuiteResult[], threads: number): TargetResult[] {
  const find = (ref: RowRef) =>
    suites.find((suite) => suite.id === ref.suite)?.rows.find((row) => row.id === ref.row);
  return targetSpecs(threads).map((spec) => {
    const measured = spec.measure(find);
    const base = {
      id: spec.id,
      title: spec.title,
      comparison: spec.comparison,
      threshold: spec.threshold,
    };
    if (typeof measured === 'string') return { ...base, ratio: null, met: null, detail: measured };
    const met =
      spec.comparison === '>='
        ? measured.ratio >= spec.threshold
        : measured.ratio <= spec.threshold;
    return { ...base, ratio: measured.ratio, met, detail: measured.detail };
  });
}

/** Returns how far a missed target is from its threshold, as a share of the threshold. */
export function shortfall(target: TargetResult): number | null {
  if (target.ratio === null || target.met !== false) return null;
  return target.comparison === '>='
    ? (target.threshold - target.ratio) / target.threshold
    : (target.ratio - target.threshold) / target.threshold;
}
