/** Adds a multi-thread task to a {@link Measurements}: one sample is one contended crew run. */
import type { Crew } from './crew.js';
import type { Job, JobResult } from './crew-protocol.js';
import type { Measurements, RowSpec } from './measure.js';

/** A contended run: the jobs of one sample and what to check after it. */
export interface CrewRun {
  /** Jobs of one sample, one per thread. */
  jobs: Job[];
  /** Resets shared state before each sample, such as refilling the stock. Not timed. */
  reset?: () => void;
  /** Units all threads together must have taken in one sample. */
  expectedUnits: number;
  /** Called with the results of each measured sample (not of warm-up samples). */
  onResults?: (results: JobResult[]) => void;
}

/**
 * Adds `run` to `measurements` as an async task. Before each sample the threads get their jobs
 * and block at the start barrier. The timed call releases them and resolves when all are done.
 * A sample whose threads took other than `run.expectedUnits` units fails the run.
 */
export function addCrewRun(
  measurements: Measurements,
  crew: Crew,
  spec: RowSpec,
  run: CrewRun,
): void {
  measurements.addAsync(spec, () => crew.go(), {
    beforeEach: async () => {
      run.reset?.();
      await crew.prepare(run.jobs);
    },
    afterEach: async (mode) => {
      const results = await crew.results();
      const units = results.reduce((sum, result) => sum + result.units, 0);
      if (units !== run.expectedUnits) {
        throw new Error(
          `${spec.id}: the threads took ${units} units in one sample; expected ${run.expectedUnits}`,
        );
      }
      if (mode === 'run') run.onResults?.(results);
    },
  });
}
