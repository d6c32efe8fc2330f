/** The shape of the bench's raw results, as written to JSON and read back by the page builder. */

/** One measured task: a rate from the samples tinybench took of it. */
export interface Row {
  /** Unique within its suite, for example `atomic-2`. */
  id: string;
  /** Name shown in tables, for example `atomic` or `engine.purchase(), awaited one at a time`. */
  label: string;
  /** Line of the chart this row belongs to. */
  series?: string;
  /** Worker threads that ran the operations, absent for main-thread work. */
  threads?: number;
  /** Operations in one sample. A rate is these operations over the sample's time. */
  opsPerSample: number;
  /** Samples taken after warm-up. */
  samples: number;
  /** Operations per second of the median sample. */
  opsPerSecond: number;
  /** Operations per second over the mean sample time. */
  opsPerSecondMean: number;
  /** Relative margin of error of the mean sample time, in percent (95 % confidence). */
  rmePercent: number;
  /** Median sample time, in milliseconds. */
  sampleMs: number;
  /** Figures of this row beyond the rate, such as CPU time, with their unit in the key. */
  extra?: Record<string, number>;
}

/** The rows of one suite, or the reason it did not run. */
export interface SuiteResult {
  id: SuiteId;
  title: string;
  /** Description of one sample, in a sentence or two. */
  description: string;
  rows: Row[];
  /** Set when the suite or part of it could not run, with the reason. */
  skipped?: string;
}

export type SuiteId = 'hot-sku' | 'spread-skus' | 'engine-paths' | 'async-lock' | 'replay';

/** A target checked against the rows of one run. */
export interface TargetResult {
  id: string;
  /** The target as a sentence. */
  title: string;
  /** `>=` when the ratio must reach the threshold, `<=` when it must stay at or below it. */
  comparison: '>=' | '<=';
  threshold: number;
  /** Measured ratio, or `null` when one of its rows was not measured. */
  ratio: number | null;
  /** Whether the ratio meets the threshold, or `null` when it was not measured. */
  met: boolean | null;
  /** The figures behind the ratio, or why it was not measured. */
  detail: string;
}

/** Machine, software and settings of one run. */
export interface RunMeta {
  date: string;
  command: string;
  quick: boolean;
  node: string;
  v8: string;
  platform: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  /** Versions of stockroom and of the packages the bench drives. */
  packages: Record<string, string>;
  durationSeconds: number;
  /** One-minute load average of the machine when the run started and when it ended. */
  loadAverage: { start: number; end: number };
}

/** Everything one run of the bench measured. */
export interface BenchResults {
  meta: RunMeta;
  suites: SuiteResult[];
  targets: TargetResult[];
}
