import { inspect } from 'node:util';

import { StressAssertionError } from './stress-errors.js';
import type { Grade, OutcomeCount } from './stress-grading.js';

/** Why a run stopped: its round bound, its time bound, or its first forbidden outcome. */
export type StopReason = 'maxRounds' | 'maxMs' | 'forbidden';

/** Graded tally and figures of a finished stress run. */
export interface StressResult {
  /** URL of the stress module. */
  readonly module: string;
  /** Stress threads, one per actor. */
  readonly threads: number;
  /** Seed of the run: pass it as `seed` to repeat the seeded random values and the thread
   * assignment. The timing of the threads, and so the outcomes, do not repeat. */
  readonly seed: number;
  /** Rounds run to the end. */
  readonly rounds: number;
  /**
   * Rounds in which every actor was running at one moment, by the threads' clocks. Only these
   * rounds could expose a race between all actors at once. Actors that take well under a
   * microsecond, or a machine whose cores are busy, make it low.
   */
  readonly overlapped: number;
  /** Milliseconds from the call to the end of the last round, start-up included. */
  readonly elapsedMs: number;
  /** Milliseconds spent starting the threads and loading the module in each. */
  readonly startupMs: number;
  readonly stoppedBy: StopReason;
  /** Every outcome seen, and every outcome of a grade table, ordered as {@link formatTally}
   * lists them. */
  readonly outcomes: readonly OutcomeCount[];
  /** Rounds per outcome, for the same outcomes; an object without a prototype. */
  readonly tally: Readonly<Record<string, number>>;
  /** Rounds that ended in a forbidden outcome. */
  readonly forbidden: number;
  /** Rounds that ended in an interesting outcome. */
  readonly interesting: number;
  /** Grade that outcomes unknown to the grader got. */
  readonly unknownGrade: Grade;
  /** `true` when at least one round ran and none ended in a forbidden outcome. */
  readonly passed: boolean;
}

/**
 * Formats the tally of `result` as a text table with the columns outcome, grade, count and
 * first round, followed by a note when some outcomes were unknown to the grader.
 */
export function formatTally(result: StressResult): string {
  const rows = result.outcomes.map((row) => [
    printable(row.outcome),
    row.known ? row.grade : `${row.grade} (unknown outcome)`,
    String(row.count),
    row.firstRound === undefined ? '-' : String(row.firstRound),
  ]);
  const header = ['outcome', 'grade', 'count', 'first round'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] as string).length)),
  );
  const rightAligned = [false, false, true, true];
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] as number;
        return rightAligned[column] ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();

  const lines = [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
  if (result.outcomes.some((row) => !row.known)) {
    lines.push(
      '',
      `unknown outcome: the grade option does not grade it, so it counts as ` +
        `${result.unknownGrade} (set unknownGrade to change that)`,
    );
  }
  return lines.join('\n');
}

/**
 * Throws {@link StressAssertionError} when `result` did not pass: a round ended in a forbidden
 * outcome, or no round ran at all. The message gives the number of forbidden rounds, the seed,
 * the tally table and the actor results of the first round of each forbidden outcome.
 */
export function assertNoForbidden(result: StressResult): void {
  if (result.passed) return;
  throw new StressAssertionError(describeFailure(result), result);
}

function describeFailure(result: StressResult): string {
  if (result.rounds === 0) {
    return (
      `stress run failed: no round ran before maxMs passed, because starting the threads took ` +
      `${Math.round(result.startupMs)} ms; raise maxMs`
    );
  }
  const examples = result.outcomes
    .filter((row) => row.grade === 'forbidden' && row.firstRound !== undefined)
    .map(
      (row) =>
        `${printable(row.outcome)}: first in round ${row.firstRound}, actor results ` +
        inspect(row.firstResults, { breakLength: Number.POSITIVE_INFINITY }),
    );
  return [
    `stress run failed: ${result.forbidden} of ${result.rounds} rounds ended in a forbidden ` +
      'outcome',
    `module ${result.module}, ${result.threads} threads, seed ${result.seed}, stopped by ` +
      `${result.stoppedBy} after ${result.rounds} rounds in ${Math.round(result.elapsedMs)} ms; ` +
      `all actors ran at one moment in ${result.overlapped} rounds`,
    '',
    formatTally(result),
    '',
    ...examples,
  ].join('\n');
}

/** Escapes line breaks and other control characters so that an outcome stays on one line. */
function printable(outcome: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
  return /[\u0000-\u001f\u007f]/.test(outcome) ? JSON.stringify(outcome) : outcome;
}
