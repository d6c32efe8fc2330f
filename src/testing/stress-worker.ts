/**
 * Entry point of a stress thread: a worker thread started by `stress()`, not a module to
 * import. It loads the stress module once, then for every round waits at the start barrier,
 * runs the actor that the coordinator assigned to it, stores the result and signals DONE. The
 * coordinator ends the thread with `Worker.terminate()`, usually while it waits at the barrier.
 */

import { workerData } from 'node:worker_threads';

import { StartBarrier } from '../barrier.js';
import { createRandom } from './seeded-random.js';
import { type Actor, type ActorContext, loadStressModule } from './stress-module.js';
import {
  actorSeedWord,
  actorWord,
  Control,
  ResultSlots,
  type StressWorkerData,
} from './stress-protocol.js';

const input = workerData as StressWorkerData;
const control = input.control;
const barrier = new StartBarrier(control, Control.barrier);
const slots = new ResultSlots(input.results, input.resultBytes);
const { actors } = await loadStressModule(input.href);

signalDone();
for (;;) {
  // No timeout: between rounds this thread sleeps here until released or terminated.
  barrier.arriveAndWait();
  const actor = Atomics.load(control, actorWord(input.thread));
  const context = roundContext(actor);
  const started = clock();
  try {
    let value = (actors[actor] as Actor)(input.shared, context);
    // Awaiting only real promises keeps the common, synchronous round free of microtask hops.
    if (isPromiseLike(value)) value = await value;
    slots.writeTimes(actor, started, clock());
    slots.writeValue(actor, value);
  } catch (error) {
    slots.writeTimes(actor, started, clock());
    slots.writeError(actor, error);
  }
  signalDone();
}

/**
 * Milliseconds since the Unix epoch, comparable between threads.
 * NOTE: each thread reads its `timeOrigin` from the wall clock when it starts, so two threads'
 * clocks can differ slightly, which makes `overlapped` a measurement rather than a proof.
 */
function clock(): number {
  return performance.timeOrigin + performance.now();
}

function roundContext(actor: number): ActorContext {
  return {
    round: Atomics.load(control, Control.round),
    seed: Atomics.load(control, Control.roundSeed) >>> 0,
    data: input.data,
    actor,
    thread: input.thread,
    random: createRandom(Atomics.load(control, actorSeedWord(input.thread)) >>> 0),
  };
}

function signalDone(): void {
  const done = Atomics.add(control, Control.done, 1) + 1;
  // Only the last thread of a round wakes the coordinator, which waits for all of them anyway.
  if (done % input.threads === 0) Atomics.notify(control, Control.done);
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
