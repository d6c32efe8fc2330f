import { formatTable } from '../table-format.js';
import type { ReplayProgress, ReplayReport } from './replay.js';

const number = (value: number) => Math.round(value).toLocaleString('en-US');

/** Lays out a replay report as a short plain-text summary. */
export function formatReplayReport(report: ReplayReport): string {
  const { tally } = report;
  const policy =
    report.stockPolicy.kind === 'ratio'
      ? `stock ratio ${report.stockPolicy.ratio}`
      : `stock file ${report.stockPolicy.path}`;
  const rows = [
    [
      'orders fulfilled / rejected',
      `${number(tally.ordersFulfilled)} / ${number(tally.ordersRejected)}`,
    ],
    [
      'lines fulfilled / rejected',
      `${number(tally.linesFulfilled)} / ${number(tally.linesRejected)}`,
    ],
    ['units sold', number(tally.unitsSold)],
    ['units returned', number(tally.unitsReturned)],
    ['units written off', number(tally.unitsWrittenOff)],
    ['SKUs sold out', number(report.skusSoldOut)],
    [
      'rows read / skipped / malformed',
      `${number(report.rowsRead)} / ${number(report.skippedRows)} / ${number(report.malformedRows)}`,
    ],
    [
      'invariants',
      report.invariantsHeld
        ? `held for all ${number(report.skus)} SKUs`
        : `${report.violationCount} broken`,
    ],
    ['wall time', `${number(report.wallMs)} ms`],
    [
      'orders / lines per second',
      `${number(report.ordersPerSecond)} / ${number(report.linesPerSecond)}`,
    ],
  ];
  const header =
    `Replay: ${report.files.length} file(s), ${report.strategy}, ${report.threads} threads, ` +
    `${policy}, ${report.batchSize} events per task\n`;
  const broken = report.violations
    .map((violation) => `  ${violation.sku}: ${violation.invariant}: ${violation.detail}\n`)
    .join('');
  const shown = report.malformed.slice(0, 5);
  const more = report.malformedRows - shown.length;
  const malformed =
    shown.map((row) => `  skipped ${row.file}:${row.line}: ${row.reason}\n`).join('') +
    (more > 0 ? `  and ${more} more malformed rows (--json lists up to 20)\n` : '');
  return header + formatTable(['figure', 'value'], rows) + broken + malformed;
}

/**
 * Draws a one-line progress bar on a terminal, only once a run has lasted a second, and erases
 * it at the end. Writes nothing when `stream` is not a terminal.
 */
export function progressBar(stream: NodeJS.WriteStream): {
  update: (progress: ReplayProgress) => void;
  done: () => void;
} {
  let drawn = false;
  return {
    update(progress) {
      if (!stream.isTTY || progress.elapsedMs < 1000) return;
      const share = progress.total > 0 ? progress.done / progress.total : 0;
      const width = 30;
      const filled = Math.round(share * width);
      const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
      const unit = progress.phase === 'reading' ? 'files read' : 'invoices sold';
      stream.write(
        `\r${progress.phase.padEnd(7)} [${bar}] ${(share * 100).toFixed(0).padStart(3)}%  ` +
          `${number(progress.done)} of ${number(progress.total)} ${unit}`,
      );
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\u001b[2K');
    },
  };
}
