/**
 * Causes of missed targets, found with CPU profiles (`node --cpu-prof`) and micro-benchmarks on
 * the 2-core machine of the last full run, against the code of that run. The page shows an
 * entry only when a run misses its target. Rewrite an entry when the code it describes changes.
 */
export const MISS_CAUSES: Readonly<Record<string, string>> = {
  'batch-vs-cas':
    'Pool threads now buy by record index with settings resolved once per batch, reading the ' +
    'purchases from shared memory, which took this ratio from 0.14 to 0.60-0.86 over ' +
    'the last runs. What remains per purchase beyond the compare-and-swap is ' +
    "kept on purpose: a compare-and-swap and a sequentially consistent store on the batch's " +
    'status words, through which the caller can cancel a purchase that has not started and ' +
    'learn, after a pool thread died, which purchases ran; and the BigInt `Atomics.add` on the ' +
    '64-bit sold counter, which lets conservation be checked from the buffer. An earlier CPU ' +
    'profile put about 29 % and 18 % of the batch loop in these two.',
  'in-flight-vs-task-per-purchase':
    "The caller's thread is the limit: the pool threads mostly wait for work. Per call, " +
    '`engine.purchase()` checks the SKU and the quantity and allocates a pending record and a ' +
    'promise; calls with a signal or a timeout also get a timer and an abort listener. An ' +
    'earlier profile, before calls without options skipped those, put a third of the time in ' +
    'garbage collection.',
  'awaited-vs-round-trip':
    'A batch message now carries a reused shared buffer instead of three typed arrays and a ' +
    "new buffer, which an earlier profile found to be 29 % of the caller's thread. What is " +
    'left is the gathering (a microtask, a promise, the pending record) and the status words. ' +
    'Bare piscina round trips on this machine vary by up to 2 times between runs (42 to 74 us ' +
    'for a task of one number in one micro-benchmark), so the same code can meet or miss ' +
    'this target.',
  'padded-vs-unpadded':
    'The table now lives in page-aligned memory (a shared `WebAssembly.Memory`), so each ' +
    'padded record is exactly one cache line and two unpadded records share one. The bare ' +
    'reference shows what the hardware gives for separate lines; the engine rows add the rest ' +
    "of a purchase's work (the 64-bit counter, the checks), which dilutes the effect of false " +
    'sharing, and this shared 2-CPU virtual machine gives ratios that vary widely from run to ' +
    'run.',
  'mutex-vs-atomic':
    'Under `mutex`, a purchase takes the lock, writes a journal entry (plain stores published ' +
    'by one operation word) so that a dead thread can be repaired, stores the stock, adds to ' +
    'the 64-bit counter and frees the lock: four writes to the cache line that both threads ' +
    'contend for, against two for `atomic`. Spinning 2,000 rounds instead of 100 before a ' +
    'waiter sleeps changed nothing in a micro-benchmark, so sleeping waiters are not the cost; ' +
    'the critical section is.',
  'asynclock-vs-async-mutex':
    'Calls without a signal or a timeout queue a bare function and a synchronous task runs ' +
    'without an `async` wrapper; calls with options still build a waiter with its handlers. ' +
    'Before that change, garbage collection took about 70 % of a burst.',
  'replay-vs-parse':
    '`replay()` reads the files once, sizing the stock and encoding the invoices as it goes, ' +
    'then sells the encoded batches; the selling phase and the pool start-up come on top of ' +
    'the parsing.',
};
