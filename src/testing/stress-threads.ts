import { Worker } from 'node:worker_threads';

import { StartBarrier } from '../barrier.js';
import { TimeoutError } from '../errors.js';
import { waitAsyncAlive } from '../wait.js';
import { StressError } from './stress-errors.js';
import {
  type ActorReport,
  actorSeedWord,
  actorWord,
  Control,
  createControl,
  ResultSlots,
  type StressWorkerData,
} from './stress-protocol.js';

/** Plan of one round: the actor that each thread runs, and the seeds. */
export interface RoundPlan {
  readonly round: number;
  /** Seed of the round. */
  readonly seed: number;
  /** Actor index per thread. */
  readonly assignment: readonly number[];
  /** Seed of each actor's generator, per actor. */
  readonly actorSeeds: readonly number[];
}

/** Reports of the actors of one round. */
export interface RoundReport {
  /** Each actor's report, in actor order. */
  readonly actors: readonly ActorReport[];
  /** Whether every actor was running at one moment, as the threads' clocks read it. */
  readonly overlapped: boolean;
}

/** Settings of {@link StressThreads.start}. */
export interface ThreadsConfig {
  readonly href: string;
  readonly count: number;
  readonly shared: SharedArrayBuffer;
  readonly data: unknown;
  readonly resultBytes: number;
  /** Seed of the run, only to name it in errors. */
  readonly seed: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
}

/**
 * The coordinator's side of the stress threads: one worker thread per actor, started once and
 * reused for every round, driven through a start barrier and a DONE counter in shared memory.
 * It never blocks the calling thread, because every wait is an `Atomics.waitAsync`.
 */
export class StressThreads {
  /** Number of threads, equal to the number of actors. */
  readonly count: number;
  readonly #workers: Worker[];
  readonly #control: Int32Array;
  readonly #barrier: StartBarrier;
  readonly #slots: ResultSlots;
  readonly #seed: number;
  #round: number | undefined;
  #failure: Error | undefined;
  #closing = false;
  /** DONE value once every thread has finished the current round. */
  #doneTarget: number;

  private constructor(config: ThreadsConfig) {
    this.count = config.count;
    this.#seed = config.seed;
    this.#control = createControl(config.count);
    this.#barrier = new StartBarrier(this.#control, Control.barrier);
    this.#slots = ResultSlots.create(config.count, config.resultBytes);
    this.#doneTarget = config.count;
    this.#workers = Array.from({ length: config.count }, (_, thread) =>
      this.#spawn(config, thread),
    );
  }

  /**
   * Starts the threads and waits until each has loaded the stress module. Rejects with
   * `TimeoutError` after `config.timeoutMs`, or with {@link StressError} if a thread fails.
   */
  static async start(config: ThreadsConfig): Promise<StressThreads> {
    const threads = new StressThreads(config);
    try {
      await threads.#waitForDone(config.timeoutMs, config.signal, (loaded) => {
        return (
          `stress threads did not start within ${config.timeoutMs} ms: ${loaded} of ` +
          `${config.count} loaded ${config.href}`
        );
      });
    } catch (error) {
      await threads.close();
      throw error;
    }
    return threads;
  }

  /**
   * Runs one round: stores the plan, releases every thread at once and waits until all actors
   * have finished. Returns each actor's report, in actor order, and whether all actors were
   * running at one moment.
   */
  async run(plan: RoundPlan, timeoutMs: number, signal?: AbortSignal): Promise<RoundReport> {
    this.#round = plan.round;
    this.#writePlan(plan);
    this.#doneTarget += this.count;
    const started = performance.now();
    // Every thread added to DONE just before it arrived at the barrier, so this rarely waits.
    await this.#barrier.release(this.count, timeoutMs);
    const remainingMs = timeoutMs - (performance.now() - started);
    await this.#waitForDone(remainingMs, signal, () => this.#describeUnfinished(plan, timeoutMs));
    return {
      actors: Array.from({ length: this.count }, (_, actor) => this.#slots.read(actor)),
      overlapped: this.#overlapped(),
    };
  }

  /** Terminates every thread, wherever it is: at the barrier or inside an actor. */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
  }

  #spawn(config: ThreadsConfig, thread: number): Worker {
    const workerData: StressWorkerData = {
      href: config.href,
      thread,
      threads: config.count,
      control: this.#control,
      results: this.#slots.buffer,
      resultBytes: config.resultBytes,
      shared: config.shared,
      data: config.data,
    };
    const worker = new Worker(new URL('./stress-worker.js', import.meta.url), { workerData });
    worker.on('error', (error) => {
      const when = this.#round === undefined ? 'while starting' : `in round ${this.#round}`;
      this.#fail(`stress thread ${thread} failed ${when}: ${error.message}`, error);
    });
    worker.on('exit', (code) => {
      if (!this.#closing) this.#fail(`stress thread ${thread} exited with code ${code}`);
    });
    return worker;
  }

  #writePlan(plan: RoundPlan): void {
    const control = this.#control;
    Atomics.store(control, Control.round, plan.round);
    Atomics.store(control, Control.roundSeed, plan.seed | 0);
    for (let thread = 0; thread < this.count; thread++) {
      const actor = plan.assignment[thread] as number;
      Atomics.store(control, actorWord(thread), actor);
      Atomics.store(control, actorSeedWord(thread), (plan.actorSeeds[actor] as number) | 0);
    }
    for (let actor = 0; actor < this.count; actor++) this.#slots.reset(actor);
  }

  /** Waits until DONE reaches its target, a thread fails, the signal aborts or time runs out. */
  async #waitForDone(
    timeoutMs: number,
    signal: AbortSignal | undefined,
    describeTimeout: (done: number) => string,
  ): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (this.#failure !== undefined) throw this.#failure;
      const done = Atomics.load(this.#control, Control.done);
      if (done >= this.#doneTarget) return;
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        throw new TimeoutError(describeTimeout(done - this.#doneTarget + this.count));
      }
      await waitAsyncAlive(this.#control, Control.done, done, remaining, signal);
    }
  }

  /** Whether the latest start came before the earliest end, so all actors ran at one moment. */
  #overlapped(): boolean {
    let latestStart = Number.NEGATIVE_INFINITY;
    let earliestEnd = Number.POSITIVE_INFINITY;
    for (let actor = 0; actor < this.count; actor++) {
      const { started, ended } = this.#slots.readTimes(actor);
      latestStart = Math.max(latestStart, started);
      earliestEnd = Math.min(earliestEnd, ended);
    }
    return latestStart < earliestEnd;
  }

  #describeUnfinished(plan: RoundPlan, timeoutMs: number): string {
    const running = plan.assignment
      .map((actor, thread) => ({ actor, thread }))
      .filter(({ actor }) => this.#slots.read(actor).status === 'pending')
      .map(({ actor, thread }) => `actor ${actor} (thread ${thread})`);
    return (
      `round ${plan.round} did not finish within roundTimeoutMs = ${timeoutMs} ms: ` +
      `${running.join(', ')} still running; the threads were terminated`
    );
  }

  /** Records the first failure and wakes the wait on DONE, which then throws the failure. */
  #fail(message: string, cause?: unknown): void {
    this.#failure ??= new StressError(message, this.#round, this.#seed, { cause });
    Atomics.notify(this.#control, Control.done);
  }
}
