/**
 * The main-thread side of the bench crew: worker threads kept alive across samples, so that no
 * sample times thread start-up. One sample is one contended run: {@link Crew.prepare} hands
 * each thread its job and waits until all of them block at the start barrier (outside the
 * timed part), then {@link Crew.go} releases them and resolves when all are done.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';

import { StartBarrier } from '../src/barrier.js';
import {
  Control,
  type CrewReply,
  type CrewRequest,
  type CrewWorkerData,
  type Job,
  type JobResult,
  SCRATCH_BASE,
  SCRATCH_COUNTERS,
} from './crew-protocol.js';

const WORKER_URL = new URL('./crew-worker.js', import.meta.url);

/** Maximum wait for a sample's threads to arrive or to finish, in milliseconds. */
const SAMPLE_TIMEOUT_MS = 300_000;

// The WebAssembly global of Node.js, which the project's type libraries (ES2024 and
// @types/node 20, without DOM) do not declare. Only the shared memory constructor is used.
declare const WebAssembly: {
  Memory: new (descriptor: {
    initial: number;
    maximum: number;
    shared: boolean;
  }) => { buffer: SharedArrayBuffer };
};

/** Bytes of a WebAssembly page. */
const WASM_PAGE_BYTES = 65_536;

/**
 * Allocates a SharedArrayBuffer of at least `bytes` that starts on a page boundary, so that
 * counters 64 bytes apart sit on separate cache lines. A shared WebAssembly memory is page
 * aligned, while nothing in Node.js promises more than the C allocator's alignment for a plain
 * `new SharedArrayBuffer()`.
 */
function alignedSharedBuffer(bytes: number): SharedArrayBuffer {
  const pages = Math.ceil(bytes / WASM_PAGE_BYTES);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  return memory.buffer;
}

interface Member {
  worker: Worker;
  pending: { resolve: (result: JobResult) => void; reject: (error: Error) => void }[];
}

/** A fixed set of worker threads that run one job each per sample. */
export class Crew {
  /** Int32 counters for the bare loops, one cache line apart from the first one on. */
  readonly scratch: Int32Array;

  readonly #control: Int32Array;
  readonly #barrier: StartBarrier;
  readonly #members: Member[];
  #results: Promise<JobResult[]> | undefined;
  #parties = 0;
  #failure: Error | undefined;

  private constructor(threads: number, engineBuffer: SharedArrayBuffer | undefined) {
    const control = new SharedArrayBuffer(Control.length * 4);
    const scratch = alignedSharedBuffer((SCRATCH_BASE + SCRATCH_COUNTERS * 16) * 4);
    this.#control = new Int32Array(control);
    this.#barrier = new StartBarrier(this.#control, Control.barrier);
    this.scratch = new Int32Array(scratch);
    const workerData: CrewWorkerData = { control, scratch };
    if (engineBuffer !== undefined) workerData.buffer = engineBuffer;
    this.#members = Array.from({ length: threads }, () => this.#spawn(workerData));
  }

  /**
   * Starts `threads` crew threads. With `engineBuffer`, each thread also loads the engine's
   * worker entry point, attached to that table, for `engine-batch` jobs.
   */
  static async start(threads: number, engineBuffer?: SharedArrayBuffer): Promise<Crew> {
    const crew = new Crew(threads, engineBuffer);
    await Promise.all(
      crew.#members.map(
        ({ worker }) =>
          new Promise<void>((resolve, reject) => {
            worker.once('online', resolve);
            worker.once('error', reject);
          }),
      ),
    );
    return crew;
  }

  /** Number of threads in the crew. */
  get size(): number {
    return this.#members.length;
  }

  /** Opens `buffer` as table `table` in every crew thread, for jobs that name it. */
  attach(table: number, buffer: SharedArrayBuffer): void {
    const request: CrewRequest = { type: 'attach', table, buffer };
    for (const { worker } of this.#members) worker.postMessage(request);
  }

  /**
   * Hands `jobs[i]` to thread `i` and resolves once every one of those threads waits at the
   * start barrier. Not timed: call it from a `beforeEach` hook.
   */
  async prepare(jobs: readonly Job[]): Promise<void> {
    // A failed preparation must not leave the previous sample's results to be read as this one's.
    this.#results = undefined;
    if (jobs.length === 0 || jobs.length > this.#members.length) {
      throw new RangeError(
        `a sample needs 1 to ${this.#members.length} jobs; received ${jobs.length}`,
      );
    }
    this.#throwIfFailed();
    this.#parties = jobs.length;
    Atomics.store(this.#control, Control.done, 0);
    this.#results = Promise.all(jobs.map((job, i) => this.#send(this.#members[i] as Member, job)));
    // Keeps an early failure from counting as unhandled before `results()` is awaited.
    this.#results.catch(() => {});
    const deadline = performance.now() + SAMPLE_TIMEOUT_MS;
    while (this.#barrier.arrived < jobs.length) {
      this.#throwIfFailed();
      if (performance.now() > deadline)
        throw new Error(
          `crew threads timed out before the start barrier (${SAMPLE_TIMEOUT_MS} ms)`,
        );
      await nextTurn();
    }
  }

  /** Releases the prepared threads and resolves when all of them have finished their job. */
  async go(): Promise<void> {
    const control = this.#control;
    await this.#barrier.release(this.#parties);
    const deadline = performance.now() + SAMPLE_TIMEOUT_MS;
    for (;;) {
      const done = Atomics.load(control, Control.done);
      if (done >= this.#parties) return;
      this.#throwIfFailed();
      if (performance.now() > deadline)
        throw new Error(`crew threads timed out before finishing (${SAMPLE_TIMEOUT_MS} ms)`);
      const wait = Atomics.waitAsync(control, Control.done, done, 1000);
      if (wait.async) await wait.value;
    }
  }

  /** Returns the results of the last sample in job order, or rejects with the first job's error. */
  results(): Promise<JobResult[]> {
    if (this.#results === undefined) throw new Error('no sample was prepared');
    return this.#results;
  }

  /** Ends every crew thread. */
  async close(): Promise<void> {
    await Promise.all(this.#members.map(({ worker }) => worker.terminate()));
  }

  #spawn(workerData: CrewWorkerData): Member {
    const worker = new Worker(WORKER_URL, { workerData });
    const member: Member = { worker, pending: [] };
    worker.on('message', (reply: CrewReply) => {
      const pending = member.pending.shift();
      if (pending === undefined) return;
      if (reply.type === 'result') {
        pending.resolve(reply.result);
      } else {
        const error = new Error(`crew job failed: ${reply.message}`);
        if (reply.stack !== undefined) error.stack = reply.stack;
        pending.reject(error);
      }
    });
    worker.on('error', (error) => this.#fail(member, error));
    worker.on('exit', (code) => {
      if (member.pending.length > 0) {
        this.#fail(
          member,
          new Error(`crew thread exited with code ${code} in the middle of a job`),
        );
      }
    });
    return member;
  }

  #send(member: Member, job: Job): Promise<JobResult> {
    return new Promise((resolve, reject) => {
      member.pending.push({ resolve, reject });
      const request: CrewRequest = { type: 'run', job };
      member.worker.postMessage(request);
    });
  }

  #fail(member: Member, error: Error): void {
    this.#failure ??= error;
    for (const pending of member.pending.splice(0)) pending.reject(error);
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }
}
