#!/usr/bin/env node
import { parseArgs } from 'node:util';

import { STRATEGIES, type Strategy } from './layout.js';
import { type RaceOptions, type RaceReport, race } from './race.js';
import { parseMonthList } from './replay/reader.js';
import { type ReplayReport, replay } from './replay/replay.js';
import { formatReplayReport, progressBar } from './replay/report-format.js';
import { runScenarios, type ScenarioResult } from './scenarios.js';
import { formatTable } from './table-format.js';
import { checkStrategy } from './validate.js';

const USAGE = `Usage: stockroom <command> [options]

Commands:
  demo        the scenarios, a race on every strategy and a replay of December 2010
              (what npm start runs)
  scenarios   the three verification scenarios, in one event loop and on threads
  race        many buyers of one SKU on worker threads released together
  replay      replay a year of real orders (UCI Online Retail) across worker threads

Options of race:
  --strategy NAME   atomic, mutex, unsafe or all (default all)
  --threads N       worker threads (default 4)
  --stock S         initial stock of the SKU (default 1000)
  --buyers B        purchase attempts over all threads (default 2000)
  --quantity Q      units per purchase (default 1)
  --latency MS      milliseconds between check and write (default 0.05)
  --unpadded        pack records instead of one cache line per SKU

Options of replay (files may be given as arguments instead of --months):
  --months LIST     months of the bundled data, as 2010-12,2011-01 (default: all 13)
  --strategy NAME   atomic, mutex or unsafe (default atomic)
  --threads N       worker threads (default 2)
  --stock-ratio R   initial stock of each SKU = R x the units the replay orders (default 1)
  --stock-file F    initial stock from sku,stock rows instead
  --batch N         invoices per pool task (default 512)
  --latency MS      milliseconds between each order's check and write (default 0)

Options of scenarios and demo:
  --latency MS      each purchase's wait between check and write (default 100)

Every command:
  --json            print machine-readable JSON instead of tables
  --help            print this text
`;

/** A command-line mistake: printed as one line, exit code 2. */
class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      strategy: { type: 'string' },
      threads: { type: 'string' },
      stock: { type: 'string' },
      buyers: { type: 'string' },
      quantity: { type: 'string' },
      latency: { type: 'string' },
      unpadded: { type: 'boolean' },
      months: { type: 'string' },
      'stock-ratio': { type: 'string' },
      'stock-file': { type: 'string' },
      batch: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  const [command, ...extra] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(USAGE);
    return;
  }
  if (extra.length > 0 && command !== 'replay') {
    throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  }
  const json = values.json === true;
  checkFlags(command, values);

  switch (command) {
    case 'scenarios': {
      const latencyMs = numberOption('--latency', values.latency) ?? 100;
      const results = await runScenarios(latencyMs);
      printScenarios(results, json);
      if (results.some((result) => !result.passed)) process.exitCode = 1;
      return;
    }
    case 'race': {
      const reports = await runRaces(values);
      printRaces(reports, json);
      return;
    }
    case 'replay': {
      const report = await runReplay(values, extra, json);
      process.stdout.write(
        json ? `${JSON.stringify(report, null, 2)}\n` : formatReplayReport(report),
      );
      if (!report.invariantsHeld) process.exitCode = 1;
      return;
    }
    case 'demo': {
      const latencyMs = numberOption('--latency', values.latency) ?? 100;
      const scenarios = await runScenarios(latencyMs);
      const races = await runRaces({});
      const month = await runReplay({ months: '2010-12', 'stock-ratio': '0.5' }, [], json);
      if (json) {
        process.stdout.write(`${JSON.stringify({ scenarios, races, replay: month }, null, 2)}\n`);
        return;
      }
      printScenarios(scenarios, false);
      process.stdout.write('\n');
      printRaces(races, false);
      process.stdout.write('\n');
      process.stdout.write(formatReplayReport(month));
      return;
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}; run stockroom --help`);
  }
}

async function runRaces(
  values: Record<string, string | boolean | undefined>,
): Promise<RaceReport[]> {
  const strategy = typeof values.strategy === 'string' ? values.strategy : 'all';
  if (strategy !== 'all' && !(STRATEGIES as readonly string[]).includes(strategy)) {
    throw new UsageError(
      `--strategy must be one of ${STRATEGIES.join(', ')}, all; received ${JSON.stringify(strategy)}`,
    );
  }
  const strategies: Strategy[] = strategy === 'all' ? [...STRATEGIES] : [strategy as Strategy];
  const options: RaceOptions = {
    threads: numberOption('--threads', values.threads),
    stock: numberOption('--stock', values.stock),
    buyers: numberOption('--buyers', values.buyers),
    quantity: numberOption('--quantity', values.quantity),
    latencyMs: numberOption('--latency', values.latency),
    padded: values.unpadded !== true,
  };
  const reports: RaceReport[] = [];
  for (const name of strategies) reports.push(await race({ ...options, strategy: name }));
  return reports;
}

async function runReplay(
  values: Record<string, string | boolean | undefined>,
  files: string[],
  json: boolean,
): Promise<ReplayReport> {
  const months = typeof values.months === 'string' ? parseMonthList(values.months) : undefined;
  if (months !== undefined && files.length > 0) {
    throw new UsageError('give --months or file arguments, not both');
  }
  const stockFile = typeof values['stock-file'] === 'string' ? values['stock-file'] : undefined;
  const stockRatio = numberOption('--stock-ratio', values['stock-ratio']);
  if (stockFile !== undefined && stockRatio !== undefined) {
    throw new UsageError('give --stock-ratio or --stock-file, not both');
  }
  const bar = progressBar(process.stderr);
  try {
    return await replay({
      ...(files.length > 0 ? { files } : {}),
      ...(months !== undefined ? { months } : {}),
      strategy:
        typeof values.strategy === 'string'
          ? checkStrategy('--strategy', values.strategy)
          : undefined,
      threads: numberOption('--threads', values.threads),
      stockRatio,
      stockFile,
      batchSize: numberOption('--batch', values.batch),
      latencyMs: numberOption('--latency', values.latency),
      onProgress: json ? undefined : bar.update,
    });
  } finally {
    bar.done();
  }
}

/** Flags each command takes, besides --json and --help. */
const COMMAND_FLAGS: Record<string, readonly string[]> = {
  demo: ['latency'],
  scenarios: ['latency'],
  race: ['strategy', 'threads', 'stock', 'buyers', 'quantity', 'latency', 'unpadded'],
  replay: ['months', 'strategy', 'threads', 'stock-ratio', 'stock-file', 'batch', 'latency'],
};

function checkFlags(command: string, values: Record<string, unknown>): void {
  const allowed = COMMAND_FLAGS[command];
  if (allowed === undefined) return;
  for (const [flag, value] of Object.entries(values)) {
    if (value === undefined || flag === 'json' || flag === 'help') continue;
    if (!allowed.includes(flag)) {
      throw new UsageError(`--${flag} does not apply to ${command}; run stockroom --help`);
    }
  }
}

/** API parameter names in error messages, as the flags that set them. */
const FLAG_OF: Record<string, string> = {
  latencyMs: '--latency',
  stockRatio: '--stock-ratio',
  batchSize: '--batch',
  threads: '--threads',
  stock: '--stock',
  buyers: '--buyers',
  quantity: '--quantity',
};

/** Returns the first line of an error message, with an API parameter name replaced by its flag. */
function cliMessage(message: string): string {
  const [first = ''] = message.split('\n');
  const [word = '', ...rest] = first.split(' ');
  const flag = FLAG_OF[word];
  return flag === undefined ? first : [flag, ...rest].join(' ');
}

function numberOption(flag: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || Number.isNaN(number)) {
    throw new UsageError(`${flag} must be a number; received ${JSON.stringify(value)}`);
  }
  return number;
}

function printScenarios(results: ScenarioResult[], json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    return;
  }
  const expectedCell = (result: ScenarioResult, key: 'successes' | 'unitsSold' | 'finalStock') =>
    result.expected === null ? 'breaks' : String(result.expected[key]);
  const rows = results.map((result) => [
    result.scenario,
    result.mode,
    `${result.measured.successes} / ${expectedCell(result, 'successes')}`,
    `${result.measured.unitsSold} / ${expectedCell(result, 'unitsSold')}`,
    `${result.measured.finalStock} / ${expectedCell(result, 'finalStock')}`,
    String(result.measured.oversold),
    String(result.measured.lostUpdates),
    result.measured.wallMs.toFixed(0),
    result.passed ? 'yes' : 'NO',
  ]);
  process.stdout.write('Scenarios (measured / expected)\n');
  process.stdout.write(
    formatTable(
      ['case', 'mode', 'sales', 'sold', 'final', 'oversold', 'lost', 'ms', 'as expected'],
      rows,
    ),
  );
}

function printRaces(reports: RaceReport[], json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
    return;
  }
  const first = reports[0];
  if (first !== undefined) {
    process.stdout.write(
      `Race: ${first.threads} threads, stock ${first.initialStock}, ${first.attempts} attempts ` +
        `of ${first.quantity}, latency ${first.latencyMs} ms\n`,
    );
  }
  const rows = reports.map((report) => [
    report.strategy,
    String(report.successes),
    String(report.unitsSold),
    String(report.finalStock),
    String(report.oversold),
    String(report.lostUpdates),
    report.invariantsHeld ? 'yes' : 'NO',
    report.wallMs.toFixed(0),
    Math.round(report.purchasesPerSecond).toLocaleString('en-US'),
  ]);
  process.stdout.write(
    formatTable(
      ['strategy', 'sales', 'sold', 'final', 'oversold', 'lost', 'invariants', 'ms', 'buys/s'],
      rows,
    ),
  );
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = cliMessage(error instanceof Error ? error.message : String(error));
  process.stderr.write(`stockroom: ${message}\n`);
  const badInput =
    error instanceof UsageError || error instanceof RangeError || error instanceof TypeError;
  process.exitCode = badInput ? 2 : 1;
});
