/**
 * stockroom/testing: tools for testing shared-memory code on real worker threads. A stress
 * runner in the manner of jcstress (actors released together, outcomes tallied and graded),
 * operation histories recorded in shared memory, and a linearizability checker with models of
 * a shared counter and of the stockroom inventory.
 */

export {
  COUNTER_OP_CODES,
  type CounterOperation,
  counterCodec,
  counterModel,
} from './counter-model.js';
export {
  type HistoryCodec,
  HistoryLog,
  type HistoryLogOptions,
  type LogEntry,
  MAX_ARG_WORDS,
  MAX_RESULT_WORDS,
  type Operation,
  type ThreadRecorder,
} from './history.js';
export {
  describeOperation,
  INVENTORY_OP_CODES,
  type InventoryOperation,
  type InventoryState,
  inventoryCodec,
  inventoryModel,
} from './inventory-model.js';
export {
  type CheckOptions,
  type Counterexample,
  checkLinearizability,
  type DescribedOperation,
  type LinearizabilityResult,
  type Model,
  type StepResult,
} from './linearizability.js';
export {
  type Actor,
  type ActorContext,
  assertNoForbidden,
  assertStress,
  createRandom,
  deriveSeed,
  formatTally,
  GRADES,
  type Grade,
  type Grader,
  type GradeTable,
  type OutcomeCount,
  type RoundInfo,
  type SetupContext,
  type StopReason,
  StressAssertionError,
  StressError,
  type StressModule,
  type StressOptions,
  type StressResult,
  stress,
} from './stress.js';
