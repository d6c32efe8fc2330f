import { AssertionError } from 'node:assert';

import { StockroomError } from '../errors.js';
import type { StressResult } from './stress-report.js';

/**
 * A stress run that could not go on: an actor, `setup` or `arbiter` threw, or a stress thread
 * exited. `cause` is the thrown value. Errors thrown in a stress thread arrive with their
 * name, message and stack, but as plain `Error` objects without their own properties.
 */
export class StressError extends StockroomError {
  /** Round in which it happened; `undefined` while the threads were starting. */
  readonly round: number | undefined;
  /** Seed of the run, to repeat its seeded random values. */
  readonly seed: number;

  constructor(message: string, round: number | undefined, seed: number, options?: ErrorOptions) {
    super('ERR_STOCKROOM_STRESS', message, options);
    this.round = round;
    this.seed = seed;
  }
}

/**
 * Thrown by `assertStress` and `assertNoForbidden` when a run saw a forbidden outcome. Its name
 * is `AssertionError`, like `node:assert`'s, so that test runners report it as a failed
 * assertion. The message contains the tally as a table.
 */
export class StressAssertionError extends AssertionError {
  /** The run that failed. */
  readonly result: StressResult;

  constructor(message: string, result: StressResult) {
    super({ message });
    this.result = result;
  }
}
