/** Builds the benchmark page, BENCHMARKS.md, from the raw results of one run. */
import { MISS_CAUSES } from './causes.js';
import type { BenchResults, SuiteResult, TargetResult } from './model.js';
import { suiteTable, targetTable, toMarkdown } from './tables.js';
import { shortfall } from './targets.js';

/** Paths of the page's linked files, relative to the page. */
export interface PageLinks {
  /** The results JSON the page was built from. */
  results: string;
  /** The hot-SKU chart. */
  chart: string;
}

/** Returns the page's Markdown. */
export function buildPage(results: BenchResults, links: PageLinks): string {
  const { meta } = results;
  const sections = [
    '# Benchmarks',
    'What each concurrency discipline costs under contention, measured side by side in one run ' +
      'by `npm run bench`. Absolute rates drift 10-40 % between runs on shared machines, so ' +
      'every target below is a ratio of two figures from the same run.',
    `This page is generated from [\`${links.results}\`](${links.results}) by ` +
      '`npm run bench`; edits by hand are lost at the next run.',
    '## The run',
    runTable(results),
    ...(meta.quick
      ? [
          '**This is a `--quick` run:** tiny sizes that only show every suite still works. ' +
            'Its figures say nothing about speed.',
        ]
      : []),
    '## Targets',
    toMarkdown(targetTable(results.targets)),
    ...missedSection(results.targets),
    ...results.suites.flatMap((suite, index) => suiteSection(suite, index, links)),
    '## How the samples are taken',
    METHOD,
    '## Running it',
    RUNNING,
  ];
  return `${sections.join('\n\n')}\n`;
}

function runTable(results: BenchResults): string {
  const { meta } = results;
  const packages = Object.entries(meta.packages)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  const rows = [
    ['command', `\`${meta.command}\``],
    ['date', meta.date],
    ['machine', `${meta.cpuModel}, ${meta.cores} cores, ${meta.memoryGiB} GiB, ${meta.platform}`],
    ['Node.js', `${meta.node} (V8 ${meta.v8})`],
    ['packages', packages],
    ['duration', `${meta.durationSeconds.toFixed(0)} s`],
    [
      'load average',
      `${meta.loadAverage.start.toFixed(1)} at the start, ${meta.loadAverage.end.toFixed(1)} at ` +
        `the end (1 minute; other processes share the ${meta.cores} cores)`,
    ],
  ];
  return ['| | |', '|---|---|', ...rows.map(([key, value]) => `| ${key} | ${value} |`)].join('\n');
}

function missedSection(targets: readonly TargetResult[]): string[] {
  const missed = targets.filter((target) => target.met === false);
  const unmeasured = targets.filter((target) => target.met === null);
  const parts: string[] = [];
  if (missed.length > 0) {
    parts.push('### Missed targets');
    for (const target of missed) {
      const gap = shortfall(target) ?? 0;
      const cause = MISS_CAUSES[target.id] ?? 'No cause has been found yet.';
      parts.push(
        `**${target.id}** (${target.title}) Measured ${target.ratio?.toFixed(2)}, needed ` +
          `${target.comparison} ${target.threshold}: missed by ${(gap * 100).toFixed(0)} % of ` +
          `the target. ${cause}`,
      );
    }
  }
  if (unmeasured.length > 0) {
    parts.push('### Targets not measured');
    for (const target of unmeasured) parts.push(`**${target.id}**: ${target.detail}.`);
  }
  return parts;
}

function suiteSection(suite: SuiteResult, index: number, links: PageLinks): string[] {
  const parts = [`## ${index + 1}. ${suite.title}`];
  if (suite.description !== '') parts.push(suite.description);
  if (suite.skipped !== undefined) parts.push(`**${suite.skipped}.**`);
  if (suite.id === 'hot-sku') {
    parts.push(`![Operations per second on one hot SKU against worker threads](${links.chart})`);
  }
  if (suite.rows.length > 0) parts.push(toMarkdown(suiteTable(suite)));
  return parts;
}

const METHOD = [
  '- tinybench drives every suite. A task does a fixed number of operations per call (one',
  '  sample), and a rate is those operations over the sample\u2019s time. Tables show the rate',
  '  of the median sample, the time per operation that gives (over all threads together), and',
  '  the rate over the mean sample time with its 95 % margin of error.',
  '- Each suite runs its tasks in rounds, and every round samples every task again, so the two',
  '  rows of a target are sampled at several moments of the run, not minutes apart. A row\u2019s',
  '  figures use the samples of all rounds.',
  '- A multi-thread sample is one contended run. Before it, each worker thread of a crew kept',
  '  alive for the whole suite receives its job and blocks at a start barrier in shared memory;',
  '  that part is not timed. The timed call opens the barrier and resolves when every thread',
  '  has counted itself done in shared memory.',
  '- Synchronous work on one thread (direct `inventory.purchase()` calls, the bare decrement)',
  '  runs through tinybench\u2019s synchronous run, never through an async wrapper.',
  '- Every sample checks that all its operations succeeded (units taken from the stock, results',
  '  returned), so no rate counts rejected purchases.',
  '- Stock is refilled to 2,147,483,647 units before each sample, outside the timed part.',
].join('\n');

const RUNNING = [
  '```sh',
  'npm ci',
  'npm run bench                   # every suite, about 3 minutes; rewrites this page',
  'npm run bench -- --quick        # tiny sizes in seconds; asserts nothing about speed',
  'npm run bench -- --page-only    # check the targets again, rebuild this page and the chart',
  '```',
  '',
  'A `--quick` run writes its JSON to `bench/results/quick.tmp.json` and its page to the',
  'system\u2019s temporary directory, so it never overwrites the figures of a full run.',
].join('\n');
