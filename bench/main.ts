/**
 * `npm run bench`: runs every suite, prints its table, saves the raw results as JSON and
 * rebuilds BENCHMARKS.md and its chart from them. It exits 0 whether or not the targets are
 * met, because it checks that the suites run, not how fast. A suite that fails exits 1: a
 * sample that did not do all its operations, or a crashed thread.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

import { renderHotSkuChart } from './chart.js';
import { benchConfig } from './config.js';
import type { BenchResults, SuiteResult } from './model.js';
import { buildPage } from './page.js';
import { describeRun, finishRun, PROJECT_ROOT } from './run-meta.js';
import { runAsyncLockSuite } from './suites/async-lock.js';
import { runEnginePathsSuite } from './suites/engine-paths.js';
import { runHotSkuSuite } from './suites/hot-sku.js';
import { runReplaySuite } from './suites/replay.js';
import { runSpreadSkusSuite } from './suites/spread-skus.js';
import { suiteTable, targetTable, toText } from './tables.js';
import { checkTargets } from './targets.js';

const USAGE = `usage: npm run bench [-- --quick] [-- --page-only]

  --quick      run every suite with tiny sizes, in seconds; the figures say nothing about speed
  --page-only  check the targets again and rebuild the page and the chart from the saved
               JSON, without measuring
  --help       print this text`;

/** Paths that one kind of run writes. */
interface Outputs {
  json: string;
  page: string;
  chart: string;
}

function outputs(quick: boolean): Outputs {
  const resultsDir = join(PROJECT_ROOT, 'bench', 'results');
  if (!quick) {
    return {
      json: join(resultsDir, 'latest.json'),
      page: join(PROJECT_ROOT, 'BENCHMARKS.md'),
      chart: join(resultsDir, 'hot-sku.svg'),
    };
  }
  const pageDir = join(tmpdir(), 'stockroom-bench-quick');
  return {
    json: join(resultsDir, 'quick.tmp.json'),
    page: join(pageDir, 'BENCHMARKS.md'),
    chart: join(pageDir, 'hot-sku.svg'),
  };
}

async function main(args: readonly string[]): Promise<number> {
  const flags = new Set(args);
  for (const flag of flags) {
    if (!['--quick', '--page-only', '--help'].includes(flag)) {
      console.error(`invalid option ${flag}\n${USAGE}`);
      return 2;
    }
  }
  if (flags.has('--help')) {
    console.log(USAGE);
    return 0;
  }
  const quick = flags.has('--quick');
  const files = outputs(quick);
  if (flags.has('--page-only')) {
    const saved = JSON.parse(readFileSync(files.json, 'utf8')) as BenchResults;
    // The targets are checked again, so that a changed target applies to saved measurements.
    const results = { ...saved, targets: checkTargets(saved.suites, saved.meta.cores) };
    writeFileSync(files.json, `${JSON.stringify(results, null, 2)}\n`);
    await writePage(results, files);
    return 0;
  }

  const started = performance.now();
  const config = benchConfig(quick);
  const command =
    process.env.npm_lifecycle_event === 'bench' ? 'npm run bench' : 'node dist/bench/main.js';
  const meta = describeRun(args.length > 0 ? `${command} -- ${args.join(' ')}` : command, quick);
  console.log(
    `stockroom bench${quick ? ' (--quick)' : ''}: ${meta.cpuModel}, ${meta.cores} cores, Node.js ${meta.node}`,
  );

  const suites: SuiteResult[] = [];
  const runners = [
    runHotSkuSuite,
    runSpreadSkusSuite,
    runEnginePathsSuite,
    runAsyncLockSuite,
    runReplaySuite,
  ];
  for (const run of runners) {
    const suite = await run(config);
    suites.push(suite);
    printSuite(suite);
  }

  const targets = checkTargets(suites, config.poolThreads);
  console.log(
    `\nTargets (each a ratio of two figures from this run)\n${toText(targetTable(targets))}`,
  );
  finishRun(meta, (performance.now() - started) / 1000);
  const results: BenchResults = { meta, suites, targets };
  mkdirSync(join(files.json, '..'), { recursive: true });
  writeFileSync(files.json, `${JSON.stringify(results, null, 2)}\n`);
  await writePage(results, files);
  console.log(
    `\nRaw results: ${files.json}\nPage: ${files.page}\nRun time: ${meta.durationSeconds.toFixed(1)} s`,
  );
  return 0;
}

function printSuite(suite: SuiteResult): void {
  console.log(`\n${suite.title}`);
  if (suite.skipped !== undefined) console.log(suite.skipped);
  if (suite.rows.length > 0) console.log(toText(suiteTable(suite)));
}

/** Writes the chart and the page, with the page's links relative to the page. */
async function writePage(results: BenchResults, files: Outputs): Promise<void> {
  const pageDir = join(files.page, '..');
  mkdirSync(pageDir, { recursive: true });
  const hotSku = results.suites.find((suite) => suite.id === 'hot-sku');
  if (hotSku !== undefined) {
    const caption = `${results.meta.cpuModel}, ${results.meta.cores} cores, Node.js ${results.meta.node}, ${results.meta.date.slice(0, 10)}`;
    mkdirSync(join(files.chart, '..'), { recursive: true });
    writeFileSync(files.chart, await renderHotSkuChart(hotSku, caption));
  }
  const links = { results: relative(pageDir, files.json), chart: relative(pageDir, files.chart) };
  writeFileSync(files.page, buildPage(results, links));
}

process.exitCode = await main(process.argv.slice(2));
