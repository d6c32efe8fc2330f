/**
 * Causes of missed targets, found with CPU profiles (`node --cpu-prof`) and micro-benchmarks on
 * the 2-core machine of the last full run, against the code of that run. The page shows an
 * entry only when a run misses its target. Rewrite an entry when the code it describes changes.
 */
export const MISS_CAUSES: Readonly<Record<string, string>> = {
  'batch-vs-cas':
    'A CPU profile of the engine worker running batches of 5,000 purchases puts only about ' +
    '7-10 % of its time in the compare-and-swap that takes the stock. Per purchase, ' +
    '`runPurchases` also does a compare-and-swap and two sequentially consistent stores on ' +
    "the batch's status words and builds an options object (about 29 %), " +
    '`TableView.addToCounter` converts the quantity to a BigInt and adds it to the 64-bit sold ' +
    'counter with `Atomics.add` (about 18 %), and `Inventory.purchase` looks the SKU name up ' +
    'again and checks the quantity and the options that the engine already checked in the ' +
    "caller's thread (about 20 %). Garbage collection of the per-purchase objects takes 8 %. " +
    'The plain `inventory.purchase()` loop, without the batch protocol, shows part of the ' +
    'same gap in the figures above.',
  'in-flight-vs-task-per-purchase':
    'The pool threads are idle: in a CPU profile of 10,000 calls in flight they wait for ' +
    "work about 87 % of the time, so the caller's thread is the limit. There, garbage " +
    'collection takes a third of the time and the rest goes to per-call bookkeeping: an ' +
    'options object, a record with 8 fields, two closures for abort and timeout handling ' +
    'even when the call has neither, and a `Set` entry added and deleted for every call. A ' +
    'micro-benchmark of a gatherer that keeps only the resolve function and the typed-array ' +
    'entries per call ran 5 to 10 times faster per call than `engine.purchase()`.',
  'awaited-vs-round-trip':
    "In a CPU profile of awaited calls, piscina's `postTask` takes about 29 % of the caller's " +
    'thread, cloning the batch task: three typed arrays and a new `SharedArrayBuffer` of ' +
    'status words per call, where the bare task is one number. Garbage collection takes ' +
    "about 13 % and the engine's own bookkeeping about 7 %. Round trips on this machine " +
    'vary by up to 2 times between runs, so the same code can meet or miss this target.',
  'padded-vs-unpadded':
    'This shared 2-CPU virtual machine does not show false sharing reliably, so the ratio ' +
    "changes widely from run to run. A micro-benchmark of a purchase's two writes, a " +
    'compare-and-swap on the stock and a 64-bit add on the sold counter, at the offsets of ' +
    'padded and unpadded records gave ratios scattered on both sides of 1. The bare ' +
    'reference in the figures uses a page-aligned buffer, but the table does not: nothing in ' +
    'Node.js places a `SharedArrayBuffer` on a 64-byte boundary, so a padded record can ' +
    'straddle two cache lines, and whether two unpadded records share the line of their hot ' +
    "fields depends on where the buffer starts. Allocating the table's buffer from a shared " +
    '`WebAssembly.Memory`, which is page aligned, would make the padding exact.',
  'mutex-vs-atomic':
    'Under `mutex`, a purchase writes a journal entry inside its critical section so that a ' +
    'dead thread can be repaired: four sequentially consistent `Atomics.store` calls and a ' +
    'BigInt `Atomics.load` before the write and one more store after it, beside the lock, the ' +
    'stock store and the counter. In a micro-benchmark on one thread that journal doubled ' +
    'the time of a locked purchase, and writing it with plain stores published by one ' +
    '`Atomics.store` took it back to within a few percent of no journal. The longer critical ' +
    'section also makes the second thread wait more often, and `MutexDiscipline` creates a ' +
    'closure per call.',
  'asynclock-vs-async-mutex':
    'Garbage collection takes about 70 % of a burst of 10,000 `AsyncLock.runExclusive` calls. ' +
    'Every queued call allocates a promise, a waiter object and five closures (grant, fail, ' +
    'leave, abort and clean-up handlers) even without a signal or a timeout, and ' +
    '`runExclusive` is an `async` function with its own promise. In a micro-benchmark of the ' +
    'same burst, a first-in, first-out lock that queues only the resolve function and runs a ' +
    'synchronous task without awaiting it was about 90 times faster than async-mutex. Calls ' +
    'awaited one at a time do not queue, and there `AsyncLock` is already far ahead.',
  'replay-vs-parse':
    '`replay()` reads every file twice: `scanDemand` parses all of them to size the initial ' +
    'stock, then the replay parses them again, and the whole call also starts a pool. The ' +
    'replay phase alone, as `replay()` times it, keeps up with the parser (its rate is in the ' +
    "figures), and in a CPU profile the pool threads wait 70-85 % of the time while the caller's " +
    'thread parses CSV.',
};
