/** The suites' and targets' tables, as plain text for the terminal and as Markdown. */
import { formatMargin, formatNanoseconds, formatRate, formatRatio } from './format.js';
import type { Row, SuiteResult, TargetResult } from './model.js';
import { REPLAY_PHASE_KEY } from './suites/replay.js';

interface Table {
  headers: string[];
  /** Per column: `true` to align right. */
  right: boolean[];
  rows: string[][];
}

/** Builds the table of one suite: median rate, time per operation, spread and notes. */
export function suiteTable(suite: SuiteResult): Table {
  return {
    headers: ['task', 'threads', 'ops/s', 'time/op', 'mean', 'samples', 'notes'],
    right: [false, true, true, true, true, true, false],
    rows: suite.rows.map((row) => [
      row.label,
      row.threads === undefined ? 'main' : String(row.threads),
      formatRate(row.opsPerSecond),
      formatNanoseconds(1e9 / row.opsPerSecond),
      `${formatRate(row.opsPerSecondMean)} ${formatMargin(row.rmePercent)}`,
      String(row.samples),
      describeExtra(row),
    ]),
  };
}

/** Builds the table of the targets, with each measured ratio and whether it was met. */
export function targetTable(targets: readonly TargetResult[]): Table {
  return {
    headers: ['target', 'measured', 'needed', 'met', 'figures'],
    right: [false, true, true, false, false],
    rows: targets.map((target) => [
      target.id,
      target.ratio === null ? 'n/a' : formatRatio(target.ratio),
      `${target.comparison} ${formatRatio(target.threshold)}`,
      verdict(target),
      target.detail,
    ]),
  };
}

/** Returns `yes`, `NO` or `not measured`. */
export function verdict(target: TargetResult): string {
  if (target.met === null) return 'not measured';
  return target.met ? 'yes' : 'NO';
}

/** Lays a table out as aligned plain text. */
export function toText(table: Table): string {
  const widths = table.headers.map((header, column) =>
    Math.max(header.length, ...table.rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return table.right[column] ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [line(table.headers), rule, ...table.rows.map(line)].join('\n');
}

/** Lays a table out as Markdown, escaping pipes inside cells. */
export function toMarkdown(table: Table): string {
  const escapeCell = (cell: string) => cell.replaceAll('|', '\\|');
  const line = (cells: readonly string[]) => `| ${cells.map(escapeCell).join(' | ')} |`;
  const rule = `|${table.right.map((right) => (right ? '---:' : '---')).join('|')}|`;
  return [line(table.headers), rule, ...table.rows.map(line)].join('\n');
}

/** Describes a row's extra figures in words. */
function describeExtra(row: Row): string {
  const extra = row.extra;
  if (extra === undefined) return '';
  const { cpuMs, waitMs, cpuPercentOfWait, poolTasksPerSample } = extra;
  const notes: string[] = [];
  if (cpuMs !== undefined && waitMs !== undefined && cpuPercentOfWait !== undefined) {
    notes.push(
      `waiter: ${cpuMs.toFixed(3)} ms CPU in a ${waitMs.toFixed(1)} ms wait ` +
        `(${cpuPercentOfWait.toFixed(2)} %)`,
    );
  }
  if (poolTasksPerSample !== undefined) {
    notes.push(`${poolTasksPerSample.toFixed(1)} pool tasks per sample`);
  }
  const phase = extra[REPLAY_PHASE_KEY];
  if (phase !== undefined) notes.push(`replay phase alone: ${formatRate(phase)} lines/s`);
  return notes.join('; ');
}
