import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';

import { checkMilliseconds, show } from '../validate.js';
import { checkGrade, checkGrader, type Grade, type Grader } from './stress-grading.js';

/** Options of `stress` and `assertStress`. */
export interface StressOptions {
  /**
   * The stress module: a `URL`, a `file:` or `data:` URL string, or an absolute path. It must
   * be plain JavaScript, because it runs in worker threads that test runners do not transform.
   */
  module: URL | string;
  /** Grade per outcome, or a function that grades an outcome (see {@link Grader}). */
  grade: Grader;
  /** Maximum number of rounds; default 10,000. */
  maxRounds?: number;
  /**
   * Maximum milliseconds for the whole run, thread start-up included; default 2,000, which fits
   * in the 5-second default test timeout of vitest and Jest. The round in flight when it passes
   * runs to its end.
   */
  maxMs?: number;
  /** Unsigned 32-bit seed of the random values and thread assignment; default random. */
  seed?: number;
  /** The state the actors share: a `SharedArrayBuffer`, or its size in bytes (default 1,024),
   * for a new zero-filled one. */
  shared?: SharedArrayBuffer | number;
  /** Any structured-cloneable value, passed to `setup`, the actors and `arbiter` as `data`. */
  data?: unknown;
  /** Assign the actors to the threads in a new random order each round; default `true`. */
  permute?: boolean;
  /** Grade of an outcome that `grade` does not grade; default `forbidden`. */
  unknownGrade?: Grade;
  /** Stop at the first forbidden outcome instead of at a bound; default `false`. */
  stopOnForbidden?: boolean;
  /**
   * Maximum milliseconds for the threads to start, and for the actors of one round to finish;
   * default 10,000. Past it the run rejects with `TimeoutError`, naming the actors still running.
   */
  roundTimeoutMs?: number;
  /** Maximum size in bytes of one actor's result, serialized with `node:v8`; default 4,096. */
  resultBytes?: number;
  /** Aborts the run: it rejects with an `AbortError` after stopping its threads. */
  signal?: AbortSignal;
}

/** Stress options with every default filled in. */
export interface StressSettings {
  readonly href: string;
  readonly grade: Grader;
  readonly maxRounds: number;
  readonly maxMs: number;
  readonly seed: number;
  readonly shared: SharedArrayBuffer;
  readonly data: unknown;
  readonly permute: boolean;
  readonly unknownGrade: Grade;
  readonly stopOnForbidden: boolean;
  readonly roundTimeoutMs: number;
  readonly resultBytes: number;
  readonly signal: AbortSignal | undefined;
}

const OPTION_NAMES = [
  'module',
  'grade',
  'maxRounds',
  'maxMs',
  'seed',
  'shared',
  'data',
  'permute',
  'unknownGrade',
  'stopOnForbidden',
  'roundTimeoutMs',
  'resultBytes',
  'signal',
];

/** Round numbers travel in an Int32 word. */
const MAX_ROUNDS = 2 ** 31 - 1;
const MIN_RESULT_BYTES = 256;
const MAX_RESULT_BYTES = 2 ** 24;

/**
 * Checks stress options and fills in the defaults. Throws `TypeError` or `RangeError` naming the
 * option and the value received. An unknown option name is a `TypeError`, so that a misspelled
 * bound cannot be ignored without a word.
 */
export function resolveStressOptions(options: unknown): StressSettings {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`options must be an object; received ${show(options)}`);
  }
  const input = options as Partial<Record<keyof StressOptions, unknown>>;
  checkOptionNames(input);
  return {
    href: resolveModule(input.module),
    grade: checkGrader('options.grade', input.grade),
    maxRounds: checkCount('options.maxRounds', input.maxRounds ?? 10_000, 1, MAX_ROUNDS),
    maxMs: checkPositiveMs('options.maxMs', input.maxMs ?? 2_000),
    seed: resolveSeed(input.seed),
    shared: resolveShared(input.shared),
    data: checkCloneable('options.data', input.data),
    permute: checkBoolean('options.permute', input.permute ?? true),
    unknownGrade: checkGrade('options.unknownGrade', input.unknownGrade ?? 'forbidden'),
    stopOnForbidden: checkBoolean('options.stopOnForbidden', input.stopOnForbidden ?? false),
    roundTimeoutMs: checkPositiveMs('options.roundTimeoutMs', input.roundTimeoutMs ?? 10_000),
    resultBytes: checkCount(
      'options.resultBytes',
      input.resultBytes ?? 4_096,
      MIN_RESULT_BYTES,
      MAX_RESULT_BYTES,
    ),
    signal: checkSignal(input.signal),
  };
}

function checkOptionNames(input: object): void {
  for (const name of Object.keys(input)) {
    if (!OPTION_NAMES.includes(name)) {
      throw new TypeError(
        `options.${name} is not a stress option; the options are ${OPTION_NAMES.join(', ')}`,
      );
    }
  }
}

function resolveModule(value: unknown): string {
  const hint = "pass new URL('./my-stress.mjs', import.meta.url)";
  if (value instanceof URL) return checkProtocol(value, hint);
  if (typeof value !== 'string') {
    throw new TypeError(`options.module must be a URL or a string; received ${show(value)}`);
  }
  if (isAbsolute(value)) return pathToFileURL(value).href;
  if (!URL.canParse(value)) {
    throw new TypeError(
      `options.module must be a URL or an absolute path; received ${show(value)}: ${hint}`,
    );
  }
  return checkProtocol(new URL(value), hint);
}

function checkProtocol(url: URL, hint: string): string {
  if (url.protocol !== 'file:' && url.protocol !== 'data:') {
    throw new TypeError(
      `options.module must be a file: or data: URL; received ${show(url.href)}: ${hint}`,
    );
  }
  return url.href;
}

function checkCount(parameter: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number') {
    throw new TypeError(`${parameter} must be a number; received ${show(value)}`);
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `${parameter} must be an integer from ${min} to ${max}; received ${show(value)}`,
    );
  }
  return value;
}

/** Checks a duration above 0; `Infinity` is allowed and means no bound. */
function checkPositiveMs(parameter: string, value: unknown): number {
  const ms = checkMilliseconds(parameter, value, true);
  if (ms === 0) throw new RangeError(`${parameter} must be greater than 0; received 0`);
  return ms;
}

function resolveSeed(value: unknown): number {
  if (value === undefined) return Math.floor(Math.random() * 2 ** 32);
  return checkCount('options.seed', value, 0, 2 ** 32 - 1);
}

function resolveShared(value: unknown): SharedArrayBuffer {
  if (value instanceof SharedArrayBuffer) return value;
  if (value !== undefined && typeof value !== 'number') {
    throw new TypeError(
      `options.shared must be a SharedArrayBuffer or a size in bytes; received ${show(value)}`,
    );
  }
  const bytes = checkCount('options.shared', value ?? 1_024, 1, 2 ** 31 - 1);
  return new SharedArrayBuffer(bytes);
}

function checkBoolean(parameter: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw new TypeError(`${parameter} must be a boolean; received ${show(value)}`);
  }
  return value;
}

function checkCloneable(parameter: string, value: unknown): unknown {
  try {
    structuredClone(value);
  } catch (error) {
    throw new TypeError(
      `${parameter} must be structured-cloneable to reach the stress threads; received ` +
        `${show(value)}`,
      { cause: error },
    );
  }
  return value;
}

function checkSignal(value: unknown): AbortSignal | undefined {
  if (value === undefined || value instanceof AbortSignal) return value;
  throw new TypeError(`options.signal must be an AbortSignal; received ${show(value)}`);
}
