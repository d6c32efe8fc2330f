/**
 * stockroom/testing: tools for testing shared-memory code on real worker threads. Operation
 * histories recorded in shared memory, and a linearizability checker with models of a shared
 * counter and of the stockroom inventory.
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
