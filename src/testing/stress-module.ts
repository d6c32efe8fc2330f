/**
 * The contract of a stress module: the plain JavaScript file whose `actors` the stress runner
 * calls on its threads, and whose `setup` and `arbiter` it calls in the coordinating thread.
 */

import { show } from '../validate.js';

/** Facts about one round that every callback of a stress module receives. */
export interface RoundInfo {
  /** Round number, from 0. */
  readonly round: number;
  /** Unsigned 32-bit seed of this round, derived from the run's seed and `round`. */
  readonly seed: number;
  /** The run's `data` option: the original value in the coordinator, a structured clone in
   * the stress threads. */
  readonly data: unknown;
}

/** Context of `setup`: the round, and a generator seeded from the round's seed. */
export interface SetupContext extends RoundInfo {
  /** Returns a number in [0, 1), repeatable for the same run seed and round. */
  random(): number;
}

/** Context of an actor: the round, its generator, and where it runs. */
export interface ActorContext extends SetupContext {
  /** Index of this actor in the module's `actors` array. */
  readonly actor: number;
  /** Index of the thread that runs this actor in this round. */
  readonly thread: number;
}

/**
 * One actor: called once per round in a stress thread, released together with the others by a
 * start barrier. It may return a promise, but then only the part before its first `await`
 * starts together with the other actors. Its result must be structured-cloneable.
 */
export type Actor = (shared: SharedArrayBuffer, context: ActorContext) => unknown;

/**
 * Exports of a stress module. `actors` is required. `setup` resets the state before each round
 * and `arbiter` turns the final state and the actors' results into an outcome string. Both run
 * in the coordinating thread (the one that calls `stress`), so they must not call
 * `Atomics.wait` when that thread is the main thread.
 */
export interface StressModule {
  readonly actors: readonly Actor[];
  readonly setup?: (shared: SharedArrayBuffer, context: SetupContext) => unknown;
  readonly arbiter?: (shared: SharedArrayBuffer, results: unknown[], context: RoundInfo) => unknown;
}

/**
 * Imports the stress module at `href` and checks its exports. Throws `TypeError` naming the
 * module and the export that is missing or of the wrong type.
 */
export async function loadStressModule(href: string): Promise<StressModule> {
  const exports = (await import(href)) as Record<string, unknown>;
  const { actors, setup, arbiter } = exports;
  if (!Array.isArray(actors) || actors.length === 0) {
    throw new TypeError(
      `stress module ${href} must export actors, a non-empty array of functions; ` +
        `received ${Array.isArray(actors) ? 'an empty array' : show(actors)}`,
    );
  }
  actors.forEach((actor, index) => {
    if (typeof actor !== 'function') {
      throw new TypeError(
        `stress module ${href}: actors[${index}] must be a function; received ${show(actor)}`,
      );
    }
  });
  checkOptionalFunction(href, 'setup', setup);
  checkOptionalFunction(href, 'arbiter', arbiter);
  return exports as unknown as StressModule;
}

function checkOptionalFunction(href: string, name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') {
    throw new TypeError(
      `stress module ${href}: ${name} must be a function when exported; received ${show(value)}`,
    );
  }
}
