/**
 * stockroom: inventory stock in one SharedArrayBuffer, sold from many threads without
 * overselling. The main-thread API; worker threads use {@link Inventory.attach}.
 */

export {
  AsyncInventory,
  type AsyncInventoryOptions,
  type AsyncPurchaseResult,
} from './async-inventory.js';
export { type AcquireOptions, AsyncLock, type Release } from './async-lock.js';
export { BARRIER_SLOTS, StartBarrier } from './barrier.js';
export {
  type EngineOptions,
  type EnginePurchaseOptions,
  type PurchaseRequest,
  type RecoveryEvent,
  StockEngine,
} from './engine.js';
export {
  EngineClosedError,
  InvalidTableError,
  OperationInterruptedError,
  StockroomError,
  TimeoutError,
} from './errors.js';
export {
  type CallOptions,
  type FaultPoint,
  type HoldOptions,
  type HoldResult,
  type InitialStock,
  type InvariantViolation,
  Inventory,
  type InventoryOptions,
  type OrderLine,
  type OrderResult,
  type PurchaseResult,
  type RestockResult,
  type SettleRejection,
  type SettleResult,
  type SkuSnapshot,
  type WriteOffResult,
} from './inventory.js';
export { MAX_QUANTITY, STRATEGIES, type Strategy } from './layout.js';
export { type RaceOptions, type RaceReport, race } from './race.js';
export {
  runScenarios,
  SCENARIOS,
  type Scenario,
  type ScenarioFigures,
  type ScenarioResult,
} from './scenarios.js';
