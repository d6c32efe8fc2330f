/**
 * Grades and the tally of a stress run. The three grades are those of jcstress's `Expect`
 * (ACCEPTABLE, ACCEPTABLE_INTERESTING, FORBIDDEN in openjdk/jcstress): an acceptable outcome
 * need not occur, an interesting one is allowed but listed for a look, and a forbidden one fails
 * the run. An outcome that the grader does not grade gets the run's `unknownGrade`, `forbidden`
 * by default, so that a typo in a grade table cannot hide a bug.
 */

import { show } from '../validate.js';

/** Grade of an outcome. Only `forbidden` fails a run. */
export type Grade = 'acceptable' | 'interesting' | 'forbidden';

/** The three grades, in the order the tally lists them last to first. */
export const GRADES: readonly Grade[] = Object.freeze(['acceptable', 'interesting', 'forbidden']);

/** Grade per outcome string. */
export type GradeTable = Readonly<Record<string, Grade>>;

/**
 * A grade table, or a function that grades an outcome and returns `undefined` for one it does
 * not know. The function is called once per distinct outcome, so it must be pure.
 */
export type Grader = GradeTable | ((outcome: string) => Grade | undefined);

/** One row of a tally: an outcome, its grade and how many rounds ended in it. */
export interface OutcomeCount {
  readonly outcome: string;
  readonly grade: Grade;
  /** `false` when the grader did not know the outcome, so it got the run's `unknownGrade`. */
  readonly known: boolean;
  readonly count: number;
  /** First round that ended in this outcome; `undefined` for a listed outcome never seen. */
  readonly firstRound: number | undefined;
  /** Actor results of that first round, in actor order. */
  readonly firstResults: readonly unknown[] | undefined;
}

interface Row {
  outcome: string;
  grade: Grade;
  known: boolean;
  count: number;
  firstRound: number | undefined;
  firstResults: readonly unknown[] | undefined;
}

/**
 * Checks `grader` (the `grade` option) and returns it. Throws `TypeError` for a value that is
 * neither an object nor a function, and `RangeError` naming the entry whose grade is invalid.
 */
export function checkGrader(parameter: string, grader: unknown): Grader {
  if (typeof grader === 'function') return grader as Grader;
  if (grader === null || typeof grader !== 'object' || Array.isArray(grader)) {
    throw new TypeError(
      `${parameter} must be an object of outcome grades or a function; received ${show(grader)}`,
    );
  }
  for (const [outcome, grade] of Object.entries(grader)) {
    checkGrade(`${parameter}[${JSON.stringify(outcome)}]`, grade);
  }
  return grader as GradeTable;
}

/** Checks one grade; throws `RangeError` naming `parameter` for anything else. */
export function checkGrade(parameter: string, grade: unknown): Grade {
  if (!GRADES.includes(grade as Grade)) {
    throw new RangeError(
      `${parameter} must be one of ${GRADES.join(', ')}; received ${show(grade)}`,
    );
  }
  return grade as Grade;
}

/** Counts the outcomes of a run and grades each distinct outcome once. */
export class Tally {
  readonly #grader: Grader;
  readonly #unknownGrade: Grade;
  readonly #rows = new Map<string, Row>();

  /** Starts an empty tally. A grade table's outcomes are listed from the start, with count 0. */
  constructor(grader: Grader, unknownGrade: Grade) {
    this.#grader = grader;
    this.#unknownGrade = unknownGrade;
    if (typeof grader === 'function') return;
    for (const [outcome, grade] of Object.entries(grader)) {
      this.#rows.set(outcome, emptyRow(outcome, grade, true));
    }
  }

  /** Counts one round's outcome and returns its grade. */
  add(outcome: string, round: number, results: readonly unknown[]): Grade {
    let row = this.#rows.get(outcome);
    if (row === undefined) {
      row = this.#gradeNew(outcome);
      this.#rows.set(outcome, row);
    }
    if (row.count === 0) {
      row.firstRound = round;
      row.firstResults = results;
    }
    row.count++;
    return row.grade;
  }

  /** Rows ordered forbidden, interesting, acceptable, and by count (highest first) within a grade. */
  rows(): OutcomeCount[] {
    const rank = (row: Row) => GRADES.length - 1 - GRADES.indexOf(row.grade);
    return [...this.#rows.values()]
      .map((row) => ({ ...row }))
      .sort((a, b) => rank(a) - rank(b) || b.count - a.count);
  }

  #gradeNew(outcome: string): Row {
    if (typeof this.#grader !== 'function') {
      return emptyRow(outcome, this.#unknownGrade, false);
    }
    const grade = this.#grader(outcome);
    if (grade === undefined) return emptyRow(outcome, this.#unknownGrade, false);
    return emptyRow(outcome, checkGrade(`grade(${JSON.stringify(outcome)})`, grade), true);
  }
}

function emptyRow(outcome: string, grade: Grade, known: boolean): Row {
  return { outcome, grade, known, count: 0, firstRound: undefined, firstResults: undefined };
}
