/**
 * Suite 2: each thread buys from its own SKU, so no two threads ever want the same stock.
 * Padded records give every SKU its own 64-byte cache line. Unpadded records are 56 bytes, so
 * neighbouring SKUs share lines and the threads can still slow each other down (false sharing).
 */
import { Inventory } from '../../src/inventory.js';
import { MAX_QUANTITY, type Strategy } from '../../src/layout.js';
import type { BenchConfig } from '../config.js';
import { Crew } from '../crew.js';
import { ADJACENT_STRIDE, type Job, PADDED_STRIDE, SCRATCH_BASE } from '../crew-protocol.js';
import { addCrewRun } from '../crew-task.js';
import { Measurements } from '../measure.js';
import type { SuiteResult } from '../model.js';
import { refill } from './hot-sku.js';

const STRATEGIES: readonly Strategy[] = ['atomic', 'mutex'];

/** Row id of a discipline with padded or unpadded records. */
export function spreadRowId(strategy: Strategy | 'atomic-sub', padded: boolean): string {
  return `${strategy}-${padded ? 'padded' : 'unpadded'}`;
}

export async function runSpreadSkusSuite(config: BenchConfig): Promise<SuiteResult> {
  const threads = config.spreadThreads;
  const skus = Array.from({ length: threads }, (_, i) => `SKU-${i}`);
  const crew = await Crew.start(threads);
  try {
    const measurements = new Measurements('spread SKUs', config.timing);
    const total = threads * config.spreadOpsPerThread;
    let tableId = 0;
    for (const strategy of STRATEGIES) {
      for (const padded of [true, false]) {
        const stock = skus.map((sku): [string, number] => [sku, MAX_QUANTITY]);
        const inventory = Inventory.create(stock, { strategy, padded });
        const id = tableId++;
        crew.attach(id, inventory.buffer);
        const jobs = skus.map(
          (sku): Job => ({
            kind: 'purchase-loop',
            table: id,
            sku,
            count: config.spreadOpsPerThread,
          }),
        );
        const spec = {
          id: spreadRowId(strategy, padded),
          label: `${strategy}, ${padded ? 'padded (64 B records)' : 'unpadded (56 B records)'}`,
          threads,
          opsPerSample: total,
        };
        addCrewRun(measurements, crew, spec, {
          jobs,
          reset: () => {
            for (const sku of skus) refill(inventory, sku);
          },
          expectedUnits: total,
        });
      }
    }
    for (const padded of [true, false]) {
      const stride = padded ? PADDED_STRIDE : ADJACENT_STRIDE;
      const slots = skus.map((_, i) => SCRATCH_BASE + i * stride);
      const spec = {
        id: spreadRowId('atomic-sub', padded),
        label: `bare Atomics.sub, counters ${padded ? 'on separate cache lines' : 'in one cache line'}`,
        threads,
        opsPerSample: total,
      };
      addCrewRun(measurements, crew, spec, {
        jobs: slots.map(
          (slot): Job => ({ kind: 'atomic-sub', slot, count: config.spreadOpsPerThread }),
        ),
        reset: () => {
          for (const slot of slots) Atomics.store(crew.scratch, slot, MAX_QUANTITY);
        },
        expectedUnits: total,
      });
    }
    return {
      id: 'spread-skus',
      title: 'Spread SKUs: each thread on its own SKU',
      description:
        `One sample: ${threads} threads, each buying 1 unit ` +
        `${config.spreadOpsPerThread.toLocaleString('en-US')} times from its own SKU. ` +
        'Padded records take 64 bytes, one cache line each; unpadded records take 56 bytes, so ' +
        'neighbours share a line. The bare rows decrement one counter per thread, with the ' +
        'counters 64 bytes apart or side by side in a page-aligned buffer.',
      rows: await measurements.run(),
    };
  } finally {
    await crew.close();
  }
}
