import { once } from 'node:events';
import { threadId, Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';

import { StartBarrier } from '../dist/src/barrier.js';
import {
  type BeginResult,
  EntryState,
  MAX_REQUEST_ID_BYTES,
  REQUEST_ENTRY_BYTES,
  REQUEST_LOG_HEADER_BYTES,
  RequestLog,
  requestIdHash,
} from '../dist/src/request-log.js';

const RACE_WORKER = new URL('./fixtures/request-log-race.mjs', import.meta.url);
const ACTOR_WORKER = new URL('./fixtures/request-log-actor.mjs', import.meta.url);
/** This thread's `threadId + 1`, the owner recorded in the entries it claims. */
const OWNER = threadId + 1;

const encoder = new TextEncoder();
const hashOf = (id: string) => requestIdHash(encoder.encode(id));
const homeOf = (id: string, capacity: number) => (hashOf(id) >>> 0) % capacity;

/** Begins `id` and returns the claimed entry; fails the test on any other status. */
function claim(log: RequestLog, id: string): number {
  const result = log.begin(id);
  if (result.status !== 'new') throw new Error(`begin(${id}) returned ${result.status}`);
  return result.entry;
}

/** Converts a result's outcome to a plain array so that `toEqual` compares it simply. */
function plain(result: BeginResult): unknown {
  return result.status === 'done' ? { ...result, outcome: [...result.outcome] } : result;
}

/** Finds `count` ids of the form `prefix-n` whose home entry is `home`. */
function idsWithHome(prefix: string, capacity: number, home: number, count: number): string[] {
  const ids: string[] = [];
  for (let n = 0; ids.length < count; n++) {
    if (homeOf(`${prefix}-${n}`, capacity) === home) ids.push(`${prefix}-${n}`);
  }
  return ids;
}

describe('RequestLog in one thread', () => {
  it('claims a new id', () => {
    const log = RequestLog.create(8);
    const result = log.begin('order-1');
    expect(result.status).toBe('new');
    if (result.status !== 'new') return;
    expect(result.entry).toBe(homeOf('order-1', 8));
  });

  it('returns the first outcome for a repeat', () => {
    const log = RequestLog.create(8);
    const entry = claim(log, 'order-1');
    const outcome = [7, -1, 2_147_483_647, -2_147_483_648, 0, 1, 2, 3];
    log.finish(entry, outcome);
    expect(plain(log.begin('order-1'))).toEqual({ status: 'done', outcome });
    expect(plain(log.begin('order-1'))).toEqual({ status: 'done', outcome });
    expect(() => log.finish(entry, [9])).toThrow(RangeError);
    expect(plain(log.begin('order-1'))).toEqual({ status: 'done', outcome });
  });

  it('returns an empty outcome when finished with none', () => {
    const log = RequestLog.create(4);
    log.finish(claim(log, 'webhook-1'), []);
    expect(plain(log.begin('webhook-1'))).toEqual({ status: 'done', outcome: [] });
  });

  it('computes FNV-1a reference hashes', () => {
    // Reference values of 32-bit FNV-1a, written as unsigned hex.
    expect(hashOf('a') >>> 0).toBe(0xe40c292c);
    expect(hashOf('foobar') >>> 0).toBe(0xbf9cf968);
  });

  it('keeps ids with equal hashes apart', () => {
    // Found by hashing pay-0, pay-1, ... until two hashes were equal.
    const first = 'pay-1039599';
    const second = 'pay-1222382';
    expect(hashOf(first)).toBe(hashOf(second));

    const log = RequestLog.create(2);
    const firstEntry = claim(log, first);
    log.finish(firstEntry, [1]);
    const secondEntry = claim(log, second);
    expect(secondEntry).not.toBe(firstEntry);
    log.finish(secondEntry, [2]);
    expect(plain(log.begin(first))).toEqual({ status: 'done', outcome: [1] });
    expect(plain(log.begin(second))).toEqual({ status: 'done', outcome: [2] });
  });

  it('keeps ids with equal home entries apart', () => {
    const log = RequestLog.create(16);
    const ids = idsWithHome('order', 16, 3, 5);
    ids.forEach((id, i) => {
      log.finish(claim(log, id), [i]);
    });
    ids.forEach((id, i) => {
      expect(plain(log.begin(id))).toEqual({ status: 'done', outcome: [i] });
    });
  });

  it('returns full when every entry is taken', () => {
    const log = RequestLog.create(3);
    for (const id of ['a', 'b', 'c']) log.finish(claim(log, id), [id.charCodeAt(0)]);
    expect(log.begin('d')).toEqual({ status: 'full' });
    expect(plain(log.begin('b'))).toEqual({ status: 'done', outcome: [98] });
  });

  it('lets a retry claim an abandoned id', () => {
    const log = RequestLog.create(4);
    const entry = claim(log, 'order-1');
    log.abandon(entry);
    expect(() => log.abandon(entry)).toThrow(RangeError);
    expect(() => log.finish(entry, [1])).toThrow(RangeError);
    expect(log.begin('order-1')).toEqual({ status: 'new', entry });
    log.finish(entry, [5]);
    expect(plain(log.begin('order-1'))).toEqual({ status: 'done', outcome: [5] });
  });

  it('keeps probe sequences whole after abandon', () => {
    const log = RequestLog.create(4);
    const [first, second] = idsWithHome('order', 4, 0, 2) as [string, string];
    const firstEntry = claim(log, first);
    log.finish(claim(log, second), [2]);
    log.abandon(firstEntry);
    // The second id sits past the abandoned entry; emptying that entry would hide it.
    expect(plain(log.begin(second))).toEqual({ status: 'done', outcome: [2] });
  });

  it('counts abandoned entries against capacity', () => {
    const log = RequestLog.create(1);
    log.abandon(claim(log, 'a'));
    expect(log.begin('b')).toEqual({ status: 'full' });
    expect(log.begin('a')).toEqual({ status: 'new', entry: 0 });
  });

  it('rejects invalid request ids', () => {
    const log = RequestLog.create(4);
    const cases: [unknown, ErrorConstructor, RegExp][] = [
      [42, TypeError, /options\.requestId must be a string; received 42/],
      [undefined, TypeError, /options\.requestId must be a string; received undefined/],
      ['', RangeError, /options\.requestId must not be empty/],
      ['\uD800x', RangeError, /options\.requestId must be valid Unicode text; received "\\ud800x"/],
      ['x'.repeat(129), RangeError, /at most 128 UTF-8 bytes; received "x{64}"\.\.\. \(129/],
      ['é'.repeat(65), RangeError, /at most 128 UTF-8 bytes; received "é{64}"\.\.\. \(65/],
    ];
    for (const [value, type, message] of cases) {
      expect(() => log.begin(value as string), show(value)).toThrow(type);
      expect(() => log.begin(value as string), show(value)).toThrow(message);
    }
    expect(log.claimedBy(OWNER)).toEqual([]);
  });

  it('accepts ids of exactly 128 bytes', () => {
    const log = RequestLog.create(4);
    expect(MAX_REQUEST_ID_BYTES).toBe(128);
    expect(log.begin('x'.repeat(128)).status).toBe('new');
    expect(log.begin('é'.repeat(64)).status).toBe('new');
  });

  it('stores unicode ids byte for byte', () => {
    const log = RequestLog.create(8);
    const ids = ['注文-42', '🧾-1', '\u00c4', 'A\u0308'];
    ids.forEach((id, i) => {
      log.finish(claim(log, id), [i]);
    });
    // NFC 'Ä' and NFD 'A' + combining diaeresis are different bytes, so different ids.
    ids.forEach((id, i) => {
      expect(plain(log.begin(id))).toEqual({ status: 'done', outcome: [i] });
    });
    expect(log.claimedBy(OWNER)).toEqual([]);
  });

  it('rejects invalid outcomes without finishing', () => {
    const log = RequestLog.create(4);
    const entry = claim(log, 'order-1');
    expect(() => log.finish(entry, Array(9).fill(0))).toThrow(/at most 8 words; received 9/);
    expect(() => log.finish(entry, [1.5])).toThrow(/outcome\[0\] must be an integer/);
    expect(() => log.finish(entry, [0, 2 ** 31])).toThrow(/outcome\[1\].*received 2147483648/);
    expect(() => log.finish(entry, 'ab' as unknown as number[])).toThrow(TypeError);
    expect(log.claimedBy(OWNER)).toEqual([{ entry, requestId: 'order-1' }]);
    log.finish(entry, new Int32Array([4]));
    expect(plain(log.begin('order-1'))).toEqual({ status: 'done', outcome: [4] });
  });

  it('rejects entries this thread did not claim', () => {
    const log = RequestLog.create(4);
    for (const entry of [-1, 4, 1.5, Number.NaN]) {
      expect(() => log.finish(entry, [1]), String(entry)).toThrow(/entry must be an integer/);
    }
    expect(() => log.finish(0, [1])).toThrow(/entry 0 is not claimed by this thread/);
    expect(() => log.abandon(0)).toThrow(/entry 0 is not claimed by this thread/);
  });

  it('returns pending for a claim of this thread', () => {
    const log = RequestLog.create(4);
    claim(log, 'order-1');
    // Waiting for its own claim would never end, so it returns without the 5 ms poll: 40 calls
    // that polled would take at least 200 ms.
    const started = performance.now();
    for (let call = 0; call < 40; call++) {
      expect(log.begin('order-1')).toEqual({ status: 'pending', owner: OWNER });
    }
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('validates begin options', async () => {
    const log = RequestLog.create(4);
    expect(() => log.begin('a', { timeoutMs: -1 })).toThrow(RangeError);
    expect(() => log.begin('a', { timeoutMs: '5' as unknown as number })).toThrow(TypeError);
    expect(() => log.begin('a', 5 as unknown as object)).toThrow(TypeError);
    await expect(log.beginAsync(7 as unknown as string)).rejects.toThrow(TypeError);
    await expect(log.beginAsync('a', { signal: 'stop' as unknown as AbortSignal })).rejects.toThrow(
      /options\.signal must be an AbortSignal/,
    );
  });

  it('claims nothing once the signal aborted', async () => {
    const log = RequestLog.create(4);
    const signal = AbortSignal.abort(new Error('shutting down'));
    await expect(log.beginAsync('a', { signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(await log.beginAsync('a')).toMatchObject({ status: 'new' });
  });

  it('rejects an invalid region', () => {
    const buffer = new SharedArrayBuffer(RequestLog.bytesFor(4) + 64);
    expect(
      () => new RequestLog(new ArrayBuffer(1024) as unknown as SharedArrayBuffer, 0, 4),
    ).toThrow(TypeError);
    expect(() => new RequestLog(buffer, 4, 4)).toThrow(/multiple of 8/);
    expect(() => new RequestLog(buffer, 128, 4)).toThrow(/needs 832 bytes from byteOffset 128/);
    expect(() => RequestLog.bytesFor(0)).toThrow(/capacity must be an integer from 1/);
    expect(() => RequestLog.bytesFor(2 ** 24 + 1)).toThrow(RangeError);

    new RequestLog(buffer, 64, 4);
    expect(() => new RequestLog(buffer, 64, 3)).toThrow(/contains a request log of capacity 4/);
  });

  it('sizes regions in multiples of 8', () => {
    for (const capacity of [1, 2, 3, 1000]) {
      expect(RequestLog.bytesFor(capacity) % 8).toBe(0);
    }
    expect(RequestLog.bytesFor(2)).toBe(REQUEST_LOG_HEADER_BYTES + 2 * REQUEST_ENTRY_BYTES);
  });

  it('shares state between wrappers of one region', () => {
    const buffer = new SharedArrayBuffer(64 + 2 * RequestLog.bytesFor(4));
    const left = new RequestLog(buffer, 64, 4);
    const right = new RequestLog(buffer, 64 + RequestLog.bytesFor(4), 4);
    left.finish(claim(left, 'order-1'), [1]);
    expect(plain(new RequestLog(buffer, 64, 4).begin('order-1'))).toEqual({
      status: 'done',
      outcome: [1],
    });
    expect(right.begin('order-1').status).toBe('new');
  });

  it('recovers claims with or without their outcome', () => {
    const log = RequestLog.create(8);
    const applied = claim(log, 'applied');
    const undone = claim(log, 'undone');
    expect(log.claimedBy(OWNER)).toEqual(
      expect.arrayContaining([
        { entry: applied, requestId: 'applied' },
        { entry: undone, requestId: 'undone' },
      ]),
    );
    expect(log.claimedBy(2)).toEqual([]);

    const seen: string[] = [];
    const recovered = log.recoverOwner(OWNER, (requestId) => {
      seen.push(requestId);
      return requestId === 'applied' ? [11] : null;
    });
    expect(recovered).toBe(2);
    expect(seen.sort()).toEqual(['applied', 'undone']);
    expect(log.claimedBy(OWNER)).toEqual([]);
    expect(plain(log.begin('applied'))).toEqual({ status: 'done', outcome: [11] });
    expect(log.begin('undone')).toEqual({ status: 'new', entry: undone });
  });

  it('turns a dead reservation into a tombstone', () => {
    const capacity = 4;
    const log = RequestLog.create(capacity);
    const home = homeOf('order-1', capacity);
    // Simulates thread 77 dying after winning the entry but before writing its id.
    const words = new Int32Array(log.buffer);
    const stateIndex = (REQUEST_LOG_HEADER_BYTES + home * REQUEST_ENTRY_BYTES) / 4;
    Atomics.store(words, stateIndex, (77 << 3) | EntryState.reserving);

    expect(log.begin('order-1')).toEqual({ status: 'pending', owner: 77 });
    expect(log.claimedBy(77)).toEqual([]);
    expect(log.recoverOwner(77)).toBe(1);
    expect(Atomics.load(words, stateIndex)).toBe(EntryState.tombstone);
    expect(log.begin('order-1')).toEqual({ status: 'new', entry: (home + 1) % capacity });
  });

  it('validates recoverOwner arguments', () => {
    const log = RequestLog.create(4);
    expect(() => log.recoverOwner(0)).toThrow(/ownerId must be a threadId \+ 1 from 1/);
    expect(() => log.claimedBy('1' as unknown as number)).toThrow(TypeError);
    expect(() => log.recoverOwner(1, 'x' as unknown as () => null)).toThrow(TypeError);
  });
});

/** A worker thread running request log calls one message at a time. */
interface Actor {
  owner: number;
  worker: Worker;
  send(message: object): Promise<unknown>;
}

const actors: Actor[] = [];
afterEach(async () => {
  await Promise.all(actors.splice(0).map((actor) => actor.worker.terminate()));
});

async function startActor(log: RequestLog): Promise<Actor> {
  const { buffer, byteOffset, capacity } = log;
  const worker = new Worker(ACTOR_WORKER, { workerData: { buffer, byteOffset, capacity } });
  const send = async (message: object | null) => {
    const reply = once(worker, 'message');
    if (message !== null) worker.postMessage(message);
    const [answer] = await reply;
    if (!answer.ok) throw new Error(`${answer.name}: ${answer.message}`);
    return answer.value;
  };
  const { owner } = (await send(null)) as { owner: number };
  const actor = { owner, worker, send };
  actors.push(actor);
  return actor;
}

/** Resolves to `'waiting'` if `promise` has not settled after `ms` milliseconds. */
async function stillWaiting(promise: Promise<unknown>, ms: number): Promise<unknown> {
  const timer = new Promise((resolve) => setTimeout(resolve, ms, 'waiting'));
  return Promise.race([promise, timer]);
}

describe('RequestLog across threads', () => {
  it('wakes a waiting worker on finish', async () => {
    const log = RequestLog.create(8);
    const [claimant, waiter] = await Promise.all([startActor(log), startActor(log)]);
    const claimed = (await claimant.send({ op: 'begin', requestId: 'pay-1' })) as BeginResult;
    expect(claimed.status).toBe('new');
    if (claimed.status !== 'new') return;

    const waited = waiter.send({ op: 'begin', requestId: 'pay-1' });
    expect(await stillWaiting(waited, 100)).toBe('waiting');
    await claimant.send({ op: 'finish', entry: claimed.entry, outcome: [42] });
    expect(await waited).toEqual({ status: 'done', outcome: [42] });
  });

  it('times a worker wait out as pending', async () => {
    const log = RequestLog.create(8);
    const [claimant, waiter] = await Promise.all([startActor(log), startActor(log)]);
    await claimant.send({ op: 'begin', requestId: 'pay-1' });
    const options = { timeoutMs: 50 };
    expect(await waiter.send({ op: 'begin', requestId: 'pay-1', options })).toEqual({
      status: 'pending',
      owner: claimant.owner,
    });
  });

  it('lets the main thread wait with beginAsync', async () => {
    const log = RequestLog.create(8);
    const claimant = await startActor(log);
    const claimed = (await claimant.send({ op: 'begin', requestId: 'pay-1' })) as BeginResult;
    if (claimed.status !== 'new') throw new Error(`claimant got ${claimed.status}`);

    const started = performance.now();
    expect(log.begin('pay-1')).toEqual({ status: 'pending', owner: claimant.owner });
    // It polls for 5 ms; the bound leaves room for a slow scheduler.
    expect(performance.now() - started).toBeLessThan(250);

    expect(await log.beginAsync('pay-1', { timeoutMs: 20 })).toEqual({
      status: 'pending',
      owner: claimant.owner,
    });
    const controller = new AbortController();
    const aborted = log.beginAsync('pay-1', { signal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });

    const waited = log.beginAsync('pay-1');
    expect(await stillWaiting(waited, 50)).toBe('waiting');
    await claimant.send({ op: 'finish', entry: claimed.entry, outcome: [7, 8] });
    expect(plain(await waited)).toEqual({ status: 'done', outcome: [7, 8] });
  });

  it('wakes waiters when a dead claimant is recovered', async () => {
    const log = RequestLog.create(8);
    const [claimant, waiter] = await Promise.all([startActor(log), startActor(log)]);
    await claimant.send({ op: 'begin', requestId: 'undone' });
    await claimant.send({ op: 'begin', requestId: 'applied' });
    const workerWait = waiter.send({ op: 'begin', requestId: 'undone' });
    const mainWait = log.beginAsync('applied', { timeoutMs: 20_000 });

    const exited = once(claimant.worker, 'exit');
    claimant.worker.postMessage({ op: 'exit' });
    await exited;
    expect(await stillWaiting(workerWait, 50)).toBe('waiting');
    const claimedIds = log.claimedBy(claimant.owner).map((claimed) => claimed.requestId);
    expect(claimedIds.sort()).toEqual(['applied', 'undone']);

    const outcomeOf = (requestId: string) => (requestId === 'applied' ? [99] : null);
    expect(log.recoverOwner(claimant.owner, outcomeOf)).toBe(2);
    expect(await workerWait).toMatchObject({ status: 'new' });
    expect(plain(await mainWait)).toEqual({ status: 'done', outcome: [99] });
    expect(log.claimedBy(claimant.owner)).toEqual([]);
    expect(log.claimedBy(waiter.owner)).toMatchObject([{ requestId: 'undone' }]);
  });
});

const THREADS = 4;
const ID_COUNT = 1000;
/** Slightly more entries than ids, so most ids sit in long probe sequences. */
const LOG_CAPACITY = 1024;

interface RaceRun {
  applied: Int32Array;
  /** Per thread, the first outcome word it got for each id: the applying thread's value. */
  outcomes: number[][];
  problems: string[];
}

/** Runs one race worker per order, released together by a start barrier. */
async function runRace(
  ids: string[],
  orders: number[][],
  options: { meet?: boolean; checkThenWrite?: boolean } = {},
): Promise<RaceRun> {
  const { meet = false, checkThenWrite = false } = options;
  const log = RequestLog.create(LOG_CAPACITY);
  const barrier = StartBarrier.create();
  const counts = new SharedArrayBuffer(ids.length * 4);
  const claims = new SharedArrayBuffer(ids.length * 4);
  const meeting = meet ? new SharedArrayBuffer(4) : undefined;
  const threads = orders.length;
  const mode = checkThenWrite ? 'check-then-write' : 'log';
  const { buffer, byteOffset, capacity } = log;
  const workers = orders.map(
    (order, thread) =>
      new Worker(RACE_WORKER, {
        workerData: {
          ...{ buffer, byteOffset, capacity, barrier: barrier.view, counts, ids, order },
          ...{ threadValue: thread + 1, threads, meeting, mode, claims },
        },
      }),
  );
  try {
    const replies = workers.map((worker) => once(worker, 'message'));
    await barrier.release(workers.length);
    const messages = (await Promise.all(replies)).map(([message]) => message);
    return {
      applied: new Int32Array(counts),
      outcomes: messages.map((message) => message.outcomes),
      problems: messages.flatMap((message) => message.problems),
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

/** Returns 0..count-1 shuffled by a fixed-seed generator (mulberry32), the same every run. */
function shuffled(count: number, seed: number): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  let state = seed;
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}

/** Lists the ids that were applied other than exactly once. */
function misapplied(ids: string[], applied: Int32Array): string[] {
  return ids.map((id, i) => `${id}: ${applied[i]}`).filter((_, i) => applied[i] !== 1);
}

/** Lists the ids for which some thread got another outcome than thread 0. */
function disagreements(ids: string[], outcomes: number[][]): string[] {
  const [reference = [], ...others] = outcomes;
  return ids.filter((_, i) => others.some((mine) => mine[i] !== reference[i]));
}

describe('RequestLog races', () => {
  const ids = Array.from({ length: ID_COUNT }, (_, i) => (i % 10 === 0 ? `注文-${i}` : `pay-${i}`));
  const forward = Array.from({ length: ID_COUNT }, (_, i) => i);

  it('applies each id once in different orders', async () => {
    const orders = [
      forward,
      [...forward].reverse(),
      [...forward.slice(ID_COUNT / 2), ...forward.slice(0, ID_COUNT / 2)],
      shuffled(ID_COUNT, 42),
    ];
    for (let round = 0; round < 3; round++) {
      const { applied, outcomes, problems } = await runRace(ids, orders);
      expect(problems, `round ${round}`).toEqual([]);
      expect(misapplied(ids, applied), `round ${round}`).toEqual([]);
      expect(disagreements(ids, outcomes), `round ${round}`).toEqual([]);
      expect(new Set(outcomes.flat()), `round ${round}`).not.toContain(0);
    }
  });

  it('applies each id once when threads meet at each', async () => {
    const orders = Array.from({ length: THREADS }, () => forward);
    for (let round = 0; round < 3; round++) {
      const { applied, outcomes, problems } = await runRace(ids, orders, { meet: true });
      expect(problems, `round ${round}`).toEqual([]);
      expect(misapplied(ids, applied), `round ${round}`).toEqual([]);
      expect(disagreements(ids, outcomes), `round ${round}`).toEqual([]);
    }
  });

  it('check-then-write control applies ids twice', async () => {
    // The same harness with a claim made of a load and a later store, in place of the log's
    // compare-and-swap: it shows that the checks above catch a claim that is not atomic.
    const orders = Array.from({ length: THREADS }, () => forward);
    let duplicates = 0;
    for (let round = 0; round < 20 && duplicates === 0; round++) {
      const { applied } = await runRace(ids, orders, { meet: true, checkThenWrite: true });
      duplicates = misapplied(ids, applied).length;
    }
    expect(duplicates).toBeGreaterThan(0);
  });
});

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 20)) : String(value);
}
