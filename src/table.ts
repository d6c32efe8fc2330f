import { randomInt } from 'node:crypto';

import { InvalidTableError } from './errors.js';
import {
  CACHE_LINE_BYTES,
  Field,
  HEADER_BYTES,
  Header,
  LAYOUT_VERSION,
  MAGIC,
  MAX_NAME_BYTES,
  PACKED_RECORD_BYTES,
  STRATEGIES,
  type Strategy,
  type TableGeometry,
  tableGeometry,
} from './layout.js';
import { MAX_REQUEST_LOG_CAPACITY, RequestLog } from './request-log.js';
import { checkSkuName, show } from './validate.js';

/** Strategy, geometry and SKU names read from a table's header and name region. */
export interface TableInfo {
  strategy: Strategy;
  geometry: TableGeometry;
  names: string[];
}

/** Settings of a new table besides its SKUs. */
export interface TableSettings {
  strategy: Strategy;
  padded: boolean;
  holdCapacity: number;
  maxHoldLines: number;
  requestLogCapacity: number;
}

/** Writes a new table for `names` with `stocks` into a fresh `SharedArrayBuffer`. */
export function writeTable(
  names: readonly Uint8Array[],
  stocks: readonly number[],
  settings: TableSettings,
): SharedArrayBuffer {
  const { strategy, padded, holdCapacity, maxHoldLines, requestLogCapacity } = settings;
  const nameBytesLength = names.reduce((sum, bytes) => sum + bytes.length, 0);
  const geometry = tableGeometry({
    skuCount: names.length,
    padded,
    holdCapacity,
    maxHoldLines,
    requestLogCapacity,
    requestLogBytes: requestLogBytes(requestLogCapacity),
    nameBytesLength,
  });
  const buffer = pageAlignedBuffer(geometry.totalBytes);
  const i32 = new Int32Array(buffer);

  i32[Header.magic] = MAGIC;
  i32[Header.version] = LAYOUT_VERSION;
  i32[Header.skuCount] = names.length;
  i32[Header.strategy] = STRATEGIES.indexOf(strategy);
  i32[Header.recordBytes] = geometry.recordBytes;
  i32[Header.nameIndexOffset] = geometry.nameIndexOffset;
  i32[Header.nameBytesOffset] = geometry.nameBytesOffset;
  i32[Header.nameBytesLength] = nameBytesLength;
  i32[Header.totalBytes] = geometry.totalBytes;
  i32[Header.holdsOffset] = geometry.holdsOffset;
  i32[Header.holdCapacity] = holdCapacity;
  i32[Header.maxHoldLines] = maxHoldLines;
  i32[Header.journalOffset] = geometry.journalOffset;
  i32[Header.journalEntries] = geometry.journalEntries;
  i32[Header.requestLogOffset] = geometry.requestLogOffset;
  i32[Header.requestLogCapacity] = requestLogCapacity;
  i32[Header.tableId] = randomInt(-(2 ** 31), 2 ** 31 - 1);

  const nameIndex = new Int32Array(buffer, geometry.nameIndexOffset, names.length + 1);
  const nameBytes = new Uint8Array(buffer, geometry.nameBytesOffset, nameBytesLength);
  let offset = 0;
  names.forEach((bytes, index) => {
    const base = (HEADER_BYTES + index * geometry.recordBytes) / 4;
    i32[base + Field.stock] = stocks[index] as number;
    i32[base + Field.initial] = stocks[index] as number;
    nameIndex[index] = offset;
    nameBytes.set(bytes, offset);
    offset += bytes.length;
  });
  nameIndex[names.length] = offset;
  return buffer;
}

/**
 * Reads and checks a table's header and names. Throws {@link InvalidTableError} for a buffer
 * that is not a stockroom table of this layout version, or is truncated.
 */
export function readTable(buffer: unknown): TableInfo {
  if (!(buffer instanceof SharedArrayBuffer)) {
    throw new TypeError(`buffer must be a SharedArrayBuffer; received ${show(buffer)}`);
  }
  if (buffer.byteLength < HEADER_BYTES) {
    throw new InvalidTableError(
      `buffer of ${buffer.byteLength} bytes is too short for a stockroom table header ` +
        `(${HEADER_BYTES} bytes)`,
    );
  }
  const i32 = new Int32Array(buffer, 0, HEADER_BYTES / 4);
  const magic = Atomics.load(i32, Header.magic);
  if (magic !== MAGIC) {
    throw new InvalidTableError(
      `buffer is not a stockroom table: magic word is 0x${(magic >>> 0).toString(16)}, ` +
        `expected 0x${MAGIC.toString(16)}`,
    );
  }
  const version = Atomics.load(i32, Header.version);
  if (version !== LAYOUT_VERSION) {
    throw new InvalidTableError(
      `table layout version ${version} is not supported; this stockroom reads version ` +
        `${LAYOUT_VERSION}`,
    );
  }
  return readBody(buffer, i32);
}

function readBody(buffer: SharedArrayBuffer, header: Int32Array): TableInfo {
  const field = (name: keyof typeof Header) => Atomics.load(header, Header[name]);
  const strategy = STRATEGIES[field('strategy')];
  const totalBytes = field('totalBytes');
  // A table's buffer is rounded up to whole 64 KiB pages (see pageAlignedBuffer).
  const maxBytes = Math.ceil(totalBytes / WASM_PAGE_BYTES) * WASM_PAGE_BYTES;
  if (buffer.byteLength < totalBytes || buffer.byteLength > maxBytes) {
    throw new InvalidTableError(
      `table is truncated or padded: its header records ${totalBytes} bytes but the buffer ` +
        `has ${buffer.byteLength}`,
    );
  }
  const skuCount = field('skuCount');
  const recordBytes = field('recordBytes');
  const nameBytesLength = field('nameBytesLength');
  const expected = tableGeometry({
    skuCount,
    padded: recordBytes === CACHE_LINE_BYTES,
    holdCapacity: field('holdCapacity'),
    maxHoldLines: field('maxHoldLines'),
    requestLogCapacity: field('requestLogCapacity'),
    requestLogBytes: requestLogBytes(field('requestLogCapacity')),
    nameBytesLength,
  });
  const sane =
    skuCount >= 0 &&
    (recordBytes === CACHE_LINE_BYTES || recordBytes === PACKED_RECORD_BYTES) &&
    expected.holdCapacity >= 0 &&
    expected.maxHoldLines >= 1 &&
    nameBytesLength <= skuCount * MAX_NAME_BYTES &&
    expected.totalBytes === totalBytes &&
    expected.holdsOffset === field('holdsOffset') &&
    expected.journalOffset === field('journalOffset') &&
    expected.journalEntries === field('journalEntries') &&
    expected.requestLogOffset === field('requestLogOffset') &&
    expected.requestLogCapacity >= 0 &&
    expected.nameIndexOffset === field('nameIndexOffset') &&
    expected.nameBytesOffset === field('nameBytesOffset');
  if (!sane || strategy === undefined) {
    throw new InvalidTableError('table header is corrupt: its sizes and offsets do not agree');
  }
  return { strategy, geometry: expected, names: readNames(buffer, expected) };
}

function readNames(
  buffer: SharedArrayBuffer,
  geometry: ReturnType<typeof tableGeometry>,
): string[] {
  const index = new Int32Array(buffer, geometry.nameIndexOffset, geometry.skuCount + 1);
  // TextDecoder does not accept views of shared memory, so the name bytes are copied out first.
  const bytes = new Uint8Array(buffer, geometry.nameBytesOffset, geometry.nameBytesLength).slice();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const names: string[] = [];
  for (let i = 0; i < geometry.skuCount; i++) {
    const start = index[i] as number;
    const end = index[i + 1] as number;
    if (start < 0 || end < start || end > bytes.length) {
      throw new InvalidTableError(`table name index is corrupt at SKU ${i}`);
    }
    names.push(readName(decoder, bytes.subarray(start, end), i));
  }
  if (new Set(names).size !== names.length) {
    throw new InvalidTableError('table names a SKU twice, so one record could not be reached');
  }
  return names;
}

function requestLogBytes(capacity: number): number {
  return capacity > 0 && capacity <= MAX_REQUEST_LOG_CAPACITY ? RequestLog.bytesFor(capacity) : 0;
}

const WASM_PAGE_BYTES = 65_536;

/**
 * Allocates a zeroed SharedArrayBuffer of at least `bytes` bytes that starts on a page
 * boundary. A plain `new SharedArrayBuffer` has no alignment promise beyond 8 bytes in Node.js,
 * so a 64-byte record could straddle two cache lines. The memory of a shared
 * `WebAssembly.Memory` starts on a page, which makes each padded record one cache line.
 */
function pageAlignedBuffer(bytes: number): SharedArrayBuffer {
  const pages = Math.max(1, Math.ceil(bytes / WASM_PAGE_BYTES));
  const memory = new SharedWasmMemory({ initial: pages, maximum: pages, shared: true });
  return memory.buffer;
}

// The compiler's lib set here has no WebAssembly types, so the one constructor used is typed
// by hand.
const SharedWasmMemory = (
  globalThis as unknown as {
    WebAssembly: {
      Memory: new (descriptor: {
        initial: number;
        maximum: number;
        shared: true;
      }) => { buffer: SharedArrayBuffer };
    };
  }
).WebAssembly.Memory;

/** Decodes and checks SKU `index`'s name as `Inventory.create` checks it. */
function readName(
  decoder: InstanceType<typeof TextDecoder>,
  bytes: Uint8Array,
  index: number,
): string {
  try {
    const name = decoder.decode(bytes);
    checkSkuName('name', name);
    return name;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidTableError(`table name of SKU ${index} is invalid: ${reason}`, {
      cause: error,
    });
  }
}
