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
export type { ReplayTally } from './protocol.js';
export { type RaceOptions, type RaceReport, race } from './race.js';
export {
  listMonthFiles,
  NON_PRODUCT_STOCK_CODES,
  ReplayDataError,
  type ReplayEvent,
  type ReplayEventKind,
  type ReplayLine,
  ReplayReader,
  type ReplayReaderOptions,
  type ReplayStats,
  resolveMonthFiles,
} from './replay/reader.js';
export {
  type ReplayOptions,
  type ReplayProgress,
  type ReplayReport,
  replay,
} from './replay/replay.js';
export {
  replaySequential,
  type SequentialResult,
  SequentialStock,
  type SkuFigures,
} from './replay/sequential.js';
export {
  type DemandScan,
  readStockFile,
  type StockPlan,
  scanDemand,
  stockFromFile,
  stockFromRatio,
} from './replay/stock-policy.js';
export {
  runScenarios,
  SCENARIOS,
  type Scenario,
  type ScenarioFigures,
  type ScenarioResult,
} from './scenarios.js';
