import { describe, expect, it } from 'vitest';

import { runScenarios, SCENARIOS } from '../dist/src/index.js';
import { runOnThreads } from '../dist/src/scenarios.js';

// The scenarios' 100 ms database wait, shortened; the figures do not depend on it.
const LATENCY_MS = 20;

describe('seed scenarios', () => {
  it('reproduce S1, S2 and S3 exactly, in one event loop and on threads', async () => {
    const results = await runScenarios(LATENCY_MS);
    const row = (scenario: string, mode: string) =>
      results.find((result) => result.scenario === scenario && result.mode === mode)?.measured;

    for (const mode of ['event loop, locked', 'threads, atomic', 'threads, mutex']) {
      expect(row('S1', mode), mode).toMatchObject({
        successes: 3,
        rejections: 2,
        unitsSold: 9,
        finalStock: 1,
      });
      expect(row('S2', mode), mode).toMatchObject({
        successes: 10,
        rejections: 10,
        unitsSold: 10,
        finalStock: 0,
      });
    }
    expect(row('S3', 'event loop, unlocked')).toMatchObject({
      successes: 5,
      unitsSold: 15,
      finalStock: -5,
    });
    expect(row('S3', 'event loop, locked')).toMatchObject({ finalStock: 1 });
    expect(results.filter((result) => !result.passed)).toEqual([]);
  });

  it('S3 on unsafe threads oversells, measured from the buffer', async () => {
    const s3 = SCENARIOS[2];
    if (s3 === undefined) throw new Error('S3 is missing');
    // The race is real, so repeat a few times rather than trust one schedule.
    let oversold = 0;
    for (let attempt = 0; attempt < 5 && oversold === 0; attempt++) {
      const result = await runOnThreads(s3, 'unsafe', LATENCY_MS);
      oversold = result.measured.oversold;
    }
    expect(oversold).toBeGreaterThan(0);
  });
});
