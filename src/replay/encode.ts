import { ReplayKind } from '../protocol.js';
import { checkSkuName } from '../validate.js';
import { ReplayDataError, type ReplayEvent, ReplayReader, type ReplayStats } from './reader.js';

/** Consecutive events flattened for one pool task (see `ReplayBatchTask`). */
export interface EncodedBatch {
  events: Int32Array;
  count: number;
}

/** Result of one pass over the replay files: the demand and the encoded events. */
export interface EncodedReplay {
  /** Units ordered per SKU, in order of first appearance; every SKU of the replay is listed. */
  demand: Map<string, number>;
  /** SKUs in order of first appearance: SKU i is record index i of the replay's table. */
  skus: string[];
  batches: EncodedBatch[];
  events: number;
  stats: ReplayStats;
}

/**
 * Reads the files once, summing each SKU's demand and encoding the events into batches of
 * `batchSize`, with SKUs numbered in order of first appearance. The encoded year takes a few
 * megabytes of Int32 values; no file is ever held as one string.
 */
export async function readAndEncode(
  files: readonly string[],
  batchSize: number,
  onFileDone?: (filesDone: number) => void,
): Promise<EncodedReplay> {
  const reader = new ReplayReader(files);
  const demand = new Map<string, number>();
  const numbers = new Map<string, number>();
  const batches: EncodedBatch[] = [];
  let batch: number[] = [];
  let count = 0;
  let events = 0;
  let filesDone = 0;

  for await (const event of reader) {
    encodeEvent(batch, event, demand, numbers);
    count++;
    events++;
    if (count === batchSize) {
      batches.push({ events: Int32Array.from(batch), count });
      batch = [];
      count = 0;
    }
    if (reader.stats.filesRead.length !== filesDone) {
      filesDone = reader.stats.filesRead.length;
      onFileDone?.(filesDone);
    }
  }
  if (count > 0) batches.push({ events: Int32Array.from(batch), count });
  onFileDone?.(files.length);
  return { demand, skus: [...numbers.keys()], batches, events, stats: reader.stats };
}

function encodeEvent(
  target: number[],
  event: ReplayEvent,
  demand: Map<string, number>,
  numbers: Map<string, number>,
): void {
  const kind =
    event.kind === 'order'
      ? ReplayKind.order
      : event.kind === 'return'
        ? ReplayKind.return
        : ReplayKind.writeOff;
  target.push(kind, event.lines.length);
  for (const line of event.lines) {
    let number = numbers.get(line.sku);
    if (number === undefined) {
      checkDataSku(line.sku, event);
      number = numbers.size;
      numbers.set(line.sku, number);
    }
    const ordered = event.kind === 'order' ? line.quantity : 0;
    demand.set(line.sku, (demand.get(line.sku) ?? 0) + ordered);
    target.push(number, line.quantity);
  }
}

/** Checks a SKU of the data as a table checks SKU names, naming the file and line if not. */
function checkDataSku(sku: string, event: ReplayEvent): void {
  try {
    checkSkuName('StockCode', sku);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ReplayDataError(event.file, event.line, reason, { cause: error });
  }
}
