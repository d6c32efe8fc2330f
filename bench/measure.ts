/**
 * Runs tasks through tinybench and turns each one into a {@link Row}. Every task does a fixed
 * number of operations per call, so a sample's rate is those operations over its time.
 * Synchronous tasks go through tinybench's synchronous run, the others through its async run.
 */
import { Bench, type FnOptions, type Task } from 'tinybench';

import { formatRate } from './format.js';
import type { Row } from './model.js';

/** How long tinybench samples each task, as tinybench's `BenchOptions` of the same names. */
export interface Timing {
  /** Minimum time of the measured samples of one task in one round, in milliseconds. */
  time: number;
  /** Minimum number of measured samples of one task in one round. */
  iterations: number;
  /** Minimum warm-up time, in milliseconds, spent in the first round only. */
  warmupTime: number;
  /** Minimum number of warm-up calls in the first round, where 0 turns warm-up off. */
  warmupIterations: number;
  /**
   * Passes over every task of a group. Each round samples every task again, so that two rows
   * compared by a target are sampled at several moments of the run, not at one.
   */
  rounds: number;
}

/** Description of a row before it is measured. */
export type RowSpec = Pick<Row, 'id' | 'label' | 'series' | 'threads' | 'opsPerSample'>;

/** Hooks of one task, run outside its timed calls. */
export type Hooks = Pick<FnOptions, 'beforeAll' | 'beforeEach' | 'afterEach' | 'afterAll'>;

interface TaskDefinition {
  spec: RowSpec;
  fn: () => unknown;
  hooks: Hooks;
  sync: boolean;
}

/**
 * A group of tasks measured one after another, in rounds. In each round the synchronous tasks
 * run first, then the async ones, each in the order added.
 */
export class Measurements {
  readonly #name: string;
  readonly #timing: Timing;
  readonly #tasks: TaskDefinition[] = [];

  constructor(name: string, timing: Timing) {
    if (!Number.isInteger(timing.rounds) || timing.rounds < 1) {
      throw new RangeError(`timing.rounds must be a positive integer; received ${timing.rounds}`);
    }
    this.#name = name;
    this.#timing = timing;
  }

  /** Adds a synchronous task, measured with tinybench's `runSync`. */
  addSync(spec: RowSpec, fn: () => unknown, hooks: Hooks = {}): this {
    this.#add({ spec, fn, hooks, sync: true });
    return this;
  }

  /** Adds a task that returns a promise. A sample ends when the promise settles. */
  addAsync(spec: RowSpec, fn: () => Promise<unknown>, hooks: Hooks = {}): this {
    this.#add({ spec, fn, hooks, sync: false });
    return this;
  }

  /** Runs every round and returns one row per task, from the samples of all rounds. */
  async run(): Promise<Row[]> {
    const samples = new Map<string, number[]>(this.#tasks.map(({ spec }) => [spec.id, []]));
    for (let round = 1; round <= this.#timing.rounds; round++) {
      const warmup = round === 1 && this.#timing.warmupIterations > 0;
      const sync = this.#createBench(round, warmup);
      const async = this.#createBench(round, warmup);
      for (const { spec, fn, hooks, sync: isSync } of this.#tasks) {
        (isSync ? sync : async).add(spec.id, fn, { ...hooks, async: !isSync });
      }
      sync.runSync();
      await async.run();
      for (const task of [...sync.tasks, ...async.tasks]) {
        samples.get(task.name)?.push(...completedSamples(task));
      }
    }
    return this.#tasks.map(({ spec }) => toRow(spec, samples.get(spec.id) ?? []));
  }

  #add(task: TaskDefinition): void {
    if (this.#tasks.some((known) => known.spec.id === task.spec.id)) {
      throw new RangeError(`${this.#name}: row id ${task.spec.id} is used twice`);
    }
    this.#tasks.push(task);
  }

  #createBench(round: number, warmup: boolean): Bench {
    const timing = this.#timing;
    const bench = new Bench({
      name: this.#name,
      time: timing.time,
      iterations: timing.iterations,
      warmup,
      warmupTime: timing.warmupTime,
      warmupIterations: timing.warmupIterations,
      retainSamples: true,
      throws: true,
    });
    bench.addEventListener('cycle', (event) => this.#reportProgress(event.task, round));
    return bench;
  }

  /** Prints one line to stderr per finished task, so a long run shows where it is. */
  #reportProgress(task: Task, round: number): void {
    const spec = this.#tasks.find((known) => known.spec.id === task.name)?.spec;
    const { result } = task;
    if (spec === undefined || result.state !== 'completed') return;
    const rate = (spec.opsPerSample * 1000) / result.latency.p50;
    const threads = spec.threads === undefined ? '' : `, ${spec.threads} threads`;
    const of = `round ${round} of ${this.#timing.rounds}`;
    console.error(`  ${this.#name}, ${of}: ${spec.label}${threads}: ${formatRate(rate)} ops/s`);
  }
}

/** Returns a finished task's sample times in milliseconds, or throws why it did not finish. */
function completedSamples(task: Task): number[] {
  const { result } = task;
  if (result.state !== 'completed') {
    const reason = result.state === 'errored' ? `: ${result.error.message}` : '';
    throw new Error(`task ${task.name} did not complete (${result.state})${reason}`);
  }
  return [...(result.latency.samples ?? [])];
}

function toRow(spec: RowSpec, samples: readonly number[]): Row {
  if (samples.length === 0) throw new Error(`task ${spec.id} took no samples`);
  const mean = samples.reduce((sum, sample) => sum + sample, 0) / samples.length;
  const p50 = median(samples);
  return {
    ...spec,
    samples: samples.length,
    opsPerSecond: (spec.opsPerSample * 1000) / p50,
    opsPerSecondMean: (spec.opsPerSample * 1000) / mean,
    rmePercent: relativeMarginOfError(samples, mean),
    sampleMs: p50,
  };
}

/**
 * Returns the half-width of the 95 % confidence interval of the mean, in percent of the mean.
 * It uses Student's t up to 30 degrees of freedom and the normal value 1.96 above, which makes
 * the interval at most 4 % too narrow from 31 to 60 samples.
 */
function relativeMarginOfError(samples: readonly number[], mean: number): number {
  const count = samples.length;
  if (count < 2 || mean === 0) return 0;
  const variance = samples.reduce((sum, sample) => sum + (sample - mean) ** 2, 0) / (count - 1);
  const critical = T_95[count - 1] ?? 1.96;
  return (100 * critical * Math.sqrt(variance / count)) / mean;
}

/** Two-sided 95 % critical values of Student's t, by degrees of freedom (index 0 unused). */
const T_95 = [
  Number.NaN,
  12.706,
  4.303,
  3.182,
  2.776,
  2.571,
  2.447,
  2.365,
  2.306,
  2.262,
  2.228,
  2.201,
  2.179,
  2.16,
  2.145,
  2.131,
  2.12,
  2.11,
  2.101,
  2.093,
  2.086,
  2.08,
  2.074,
  2.069,
  2.064,
  2.06,
  2.056,
  2.052,
  2.048,
  2.045,
  2.042,
];

/** Returns the median of `values`: the mean of the two middle values for an even count. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[middle] as number;
  return ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
