/**
 * Draws the hot-SKU chart, throughput per discipline against threads, as SVG with Vega-Lite.
 * Vega renders SVG headless in Node.js: no browser and no canvas package is needed.
 */
import { parse as parseVega, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

import type { SuiteResult } from './model.js';
import { HOT_SERIES } from './suites/hot-sku.js';

/** Renders the throughput of each series of the hot-SKU suite against its thread counts. */
export async function renderHotSkuChart(suite: SuiteResult, caption: string): Promise<string> {
  const points: { series: string; threads: number; opsPerSecond: number }[] = [];
  for (const { series, threads, opsPerSecond } of suite.rows) {
    if (series === undefined || threads === undefined) continue;
    points.push({ series, threads, opsPerSecond: Math.round(opsPerSecond) });
  }
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Operations per second on one hot SKU', subtitle: caption },
    width: 560,
    height: 340,
    background: 'white',
    data: { values: points },
    mark: { type: 'line', point: true },
    encoding: {
      x: {
        field: 'threads',
        type: 'quantitative',
        title: 'worker threads',
        scale: { type: 'log', base: 2 },
        axis: { values: [...new Set(points.map((point) => point.threads))], format: 'd' },
      },
      y: {
        field: 'opsPerSecond',
        type: 'quantitative',
        title: 'operations per second (median sample)',
        scale: { type: 'log' },
        axis: { format: '~s' },
      },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        sort: Object.values(HOT_SERIES),
        legend: { orient: 'right', labelLimit: 300 },
      },
    },
  };
  const view = new View(parseVega(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
