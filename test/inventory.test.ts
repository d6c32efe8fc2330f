import { describe, expect, it } from 'vitest';

import { InvalidTableError, Inventory, STRATEGIES, type Strategy } from '../dist/src/index.js';

const MAX = 2_147_483_647;

describe.each(STRATEGIES)('%s inventory, one thread', (strategy: Strategy) => {
  const create = (stock: Record<string, number> = { A: 10, B: 3 }) =>
    Inventory.create(stock, { strategy });

  it('sells while stock lasts, then rejects with the units available', () => {
    const inventory = create();
    expect(inventory.purchase('A', 4)).toEqual({ ok: true, remaining: 6 });
    expect(inventory.purchase('A', 6)).toEqual({ ok: true, remaining: 0 });
    expect(inventory.purchase('A', 1)).toEqual({
      ok: false,
      reason: 'insufficient-stock',
      available: 0,
    });
    expect(inventory.snapshot()[0]).toMatchObject({ sku: 'A', stock: 0, sold: 10, initial: 10 });
    expect(inventory.checkInvariants()).toEqual([]);
  });

  it('restocks, accepts returns and writes off no more than the stock', () => {
    const inventory = create();
    expect(inventory.restock('B', 7)).toEqual({ ok: true, stock: 10 });
    expect(inventory.acceptReturn('B', 2)).toEqual({ ok: true, stock: 12 });
    expect(inventory.writeOff('B', 20)).toEqual({ ok: true, removed: 12, remaining: 0 });
    expect(inventory.snapshot()[1]).toMatchObject({
      stock: 0,
      restocked: 9,
      returned: 2,
      writtenOff: 12,
    });
    expect(inventory.checkInvariants()).toEqual([]);
  });

  it('K3A: an order of [A x3, A x3] against 5 is rejected whole', () => {
    const inventory = create({ A: 5 });
    const result = inventory.order([
      { sku: 'A', quantity: 3 },
      { sku: 'A', quantity: 3 },
    ]);
    expect(result).toEqual({
      ok: false,
      reason: 'insufficient-stock',
      line: 0,
      sku: 'A',
      requested: 6,
      available: 5,
    });
    expect(inventory.stock('A')).toBe(5);
  });

  it('K5A: an order short on its second SKU leaves the first untouched', () => {
    const inventory = create({ A: 5, B: 0 });
    const result = inventory.order([
      { sku: 'A', quantity: 2 },
      { sku: 'B', quantity: 1 },
    ]);
    expect(result).toMatchObject({ ok: false, line: 1, sku: 'B', requested: 1, available: 0 });
    expect(inventory.stock('A')).toBe(5);
    expect(inventory.stock('B')).toBe(0);
    expect(inventory.checkInvariants()).toEqual([]);
  });

  it('takes every line of an order that fits', () => {
    const inventory = create();
    expect(
      inventory.order([
        { sku: 'B', quantity: 1 },
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 2 },
      ]),
    ).toEqual({ ok: true });
    expect(inventory.stock('A')).toBe(8);
    expect(inventory.stock('B')).toBe(0);
    expect(inventory.checkInvariants()).toEqual([]);
  });

  it('K6: restocks that would pass 2^31-1 are rejected and change nothing', () => {
    const inventory = create({ A: 2_147_483_000 });
    expect(inventory.restock('A', 400)).toEqual({ ok: true, stock: 2_147_483_400 });
    expect(() => inventory.restock('A', 400)).toThrow(RangeError);
    expect(() => inventory.restock('A', 1000)).toThrow(/past the maximum of 2147483647/);
    expect(inventory.stock('A')).toBe(2_147_483_400);
    expect(inventory.snapshot()[0]?.restocked).toBe(400);
  });

  const badQuantities: [string, unknown, typeof TypeError][] = [
    ['zero', 0, RangeError],
    ['negative', -5, RangeError],
    ['fractional', 1.5, RangeError],
    ['NaN', Number.NaN, RangeError],
    ['above 2^31-1', MAX + 1, RangeError],
    ['Infinity', Number.POSITIVE_INFINITY, RangeError],
    ['a string', '3', TypeError],
    ['a bigint', 3n, TypeError],
    ['undefined', undefined, TypeError],
  ];

  it.each(badQuantities)('rejects a %s quantity and changes nothing', (_, quantity, errorType) => {
    const inventory = create();
    const before = inventory.snapshot();
    const calls = [
      () => inventory.purchase('A', quantity as number),
      () => inventory.restock('A', quantity as number),
      () => inventory.writeOff('A', quantity as number),
      () => inventory.acceptReturn('A', quantity as number),
      () => inventory.order([{ sku: 'A', quantity: quantity as number }]),
    ];
    for (const call of calls) expect(call).toThrow(errorType);
    expect(() => inventory.purchase('A', quantity as number)).toThrow(/quantity/);
    expect(inventory.snapshot()).toEqual(before);
  });

  it('rejects an unknown SKU by name and changes nothing', () => {
    const inventory = create();
    const before = inventory.snapshot();
    expect(() => inventory.purchase('Z', 1)).toThrow(/unknown SKU "Z"/);
    expect(() => inventory.purchase('__proto__', 1)).toThrow(RangeError);
    expect(() => inventory.purchase(42 as unknown as string, 1)).toThrow(TypeError);
    expect(() =>
      inventory.order([
        { sku: 'A', quantity: 1 },
        { sku: 'Z', quantity: 1 },
      ]),
    ).toThrow(/unknown SKU "Z"/);
    expect(inventory.snapshot()).toEqual(before);
  });

  it('rejects a latency window on the main thread', () => {
    const inventory = create();
    expect(() => inventory.purchase('A', 1, { latencyMs: 5 })).toThrow(/worker threads/);
    expect(() => inventory.purchase('A', 1, { latencyMs: -1 })).toThrow(RangeError);
    expect(inventory.stock('A')).toBe(10);
  });
});

describe('Inventory.create', () => {
  it('takes a Map, pairs or an object, keeping the order of the SKUs', () => {
    const fromMap = Inventory.create(
      new Map([
        ['x', 1],
        ['y', 2],
      ]),
    );
    const fromPairs = Inventory.create([
      ['x', 1],
      ['y', 2],
    ]);
    expect(fromMap.skus).toEqual(['x', 'y']);
    expect(fromPairs.snapshot()).toEqual(fromMap.snapshot());
    expect(Inventory.create({}).skus).toEqual([]);
  });

  it('stores names that are not plain identifiers', () => {
    const names = ['__proto__', 'constructor', 'ÄÖÜ ünïcödé 🎁', 'a,b"c', 'x'.repeat(256)];
    const inventory = Inventory.create(names.map((name, i) => [name, i] as [string, number]));
    expect(inventory.skus).toEqual(names);
    expect(inventory.stock('__proto__')).toBe(0);
    expect(inventory.purchase('ÄÖÜ ünïcödé 🎁', 2)).toEqual({ ok: true, remaining: 0 });
  });

  const badStocks: [string, unknown, RegExp][] = [
    ['an empty name', [['', 1]], /must not be empty/],
    ['a name over 256 bytes', [['é'.repeat(129), 1]], /at most 256 UTF-8 bytes/],
    ['a lone surrogate', [['\ud800', 1]], /valid Unicode/],
    ['a control character', [['a\nb', 1]], /control characters/],
    [
      'a duplicate name',
      [
        ['a', 1],
        ['a', 2],
      ],
      /appears twice/,
    ],
    ['a negative stock', { a: -1 }, /integer from 0 to 2147483647/],
    ['a fractional stock', { a: 0.5 }, /integer from 0 to 2147483647/],
    ['a stock above 2^31-1', { a: MAX + 1 }, /integer from 0 to 2147483647/],
    ['a non-object', 5, /must be an object/],
    ['a bad entry', [['a']], /\[sku, quantity\] pairs/],
  ];

  it.each(badStocks)('rejects %s', (_, stock, message) => {
    expect(() => Inventory.create(stock as Record<string, number>)).toThrow(message);
  });

  it('rejects an unknown strategy and a non-boolean padding', () => {
    expect(() => Inventory.create({ a: 1 }, { strategy: 'fast' as Strategy })).toThrow(
      /options.strategy must be one of atomic, mutex, unsafe; received "fast"/,
    );
    expect(() => Inventory.create({ a: 1 }, { padded: 1 as unknown as boolean })).toThrow(
      TypeError,
    );
  });

  it('gives each SKU a 64-byte line, or packs records when asked', () => {
    const stock = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`sku-${i}`, 100 + i]));
    const padded = Inventory.create(stock);
    const packed = Inventory.create(stock, { padded: false });
    expect(padded.padded).toBe(true);
    expect(packed.padded).toBe(false);
    // Records follow the 128-byte header; each starts with its stock.
    const stockAt = (table: Inventory, recordBytes: number, index: number) =>
      new Int32Array(table.buffer)[(128 + index * recordBytes) / 4];
    for (let i = 0; i < 8; i++) {
      expect(stockAt(padded, 64, i)).toBe(100 + i);
      expect(stockAt(packed, 56, i)).toBe(100 + i);
    }
    expect(Inventory.attach(packed.buffer).snapshot()).toEqual(packed.snapshot());
  });

  it('starts the buffer on a page, so padded records never straddle cache lines', () => {
    const table = Inventory.create({ a: 1 });
    // A shared WebAssembly memory is page aligned; its size is whole 64 KiB pages.
    expect(table.buffer.byteLength % 65_536).toBe(0);
  });
});

describe('Inventory.attach', () => {
  it('opens the same table, names and strategy from the buffer alone', () => {
    const original = Inventory.create({ A: 5, B: 7 }, { strategy: 'mutex' });
    original.purchase('A', 2);
    const attached = Inventory.attach(original.buffer);
    expect(attached.strategy).toBe('mutex');
    expect(attached.skus).toEqual(['A', 'B']);
    expect(attached.snapshot()).toEqual(original.snapshot());
    attached.purchase('B', 7);
    expect(original.stock('B')).toBe(0);
  });

  it('rejects a foreign, truncated or non-shared buffer', () => {
    const original = Inventory.create({ A: 5 });
    const foreign = new SharedArrayBuffer(original.buffer.byteLength);
    expect(() => Inventory.attach(foreign)).toThrow(InvalidTableError);
    expect(() => Inventory.attach(foreign)).toThrow(/magic word is 0x0/);

    const recordedBytes = new Int32Array(original.buffer)[8] as number; // header: total bytes
    const truncated = new SharedArrayBuffer(recordedBytes - 8);
    new Uint8Array(truncated).set(
      new Uint8Array(original.buffer).subarray(0, truncated.byteLength),
    );
    expect(() => Inventory.attach(truncated)).toThrow(/truncated/);

    expect(() => Inventory.attach(new SharedArrayBuffer(16))).toThrow(/too short/);
    expect(() => Inventory.attach(new ArrayBuffer(64) as unknown as SharedArrayBuffer)).toThrow(
      TypeError,
    );
  });

  it('rejects a table of another layout version', () => {
    const original = Inventory.create({ A: 5 });
    new Int32Array(original.buffer)[1] = 99;
    expect(() => Inventory.attach(original.buffer)).toThrow(/layout version 99/);
  });
});

describe('table limits and names', () => {
  it('rejects a table too large to address, naming the options', () => {
    expect(() =>
      Inventory.create({ A: 1 }, { holdCapacity: 1_000_000, maxHoldLines: 300 }),
    ).toThrow(/lower options.holdCapacity/);
    expect(() => Inventory.create({ A: 1 }, { maxHoldLines: 1_000_000 })).toThrow(RangeError);
  });

  it('refuses to attach a table whose names are invalid or repeated', () => {
    const table = Inventory.create({ AB: 1, CD: 2 });
    const bytes = new Uint8Array(table.buffer);
    const at = bytes.indexOf(0x43); // the C of "CD" in the name bytes
    bytes[at] = 0x41;
    bytes[at + 1] = 0x42; // now "AB" twice
    expect(() => Inventory.attach(table.buffer)).toThrow(/names a SKU twice/);
    bytes[at + 1] = 0x0a; // a control character
    expect(() => Inventory.attach(table.buffer)).toThrow(/name of SKU 1 is invalid/);
    bytes[at + 1] = 0xff; // not UTF-8
    expect(() => Inventory.attach(table.buffer)).toThrow(InvalidTableError);
  });
});

describe('option names', () => {
  it('reject a misspelt option instead of ignoring it', () => {
    expect(() => Inventory.create({ A: 1 }, { stratgy: 'mutex' } as never)).toThrow(
      /options.stratgy is not an option/,
    );
    const inventory = Inventory.create({ A: 1 });
    expect(() => inventory.purchase('A', 1, { requestID: 'x' } as never)).toThrow(
      /options.requestID is not an option/,
    );
    expect(inventory.stock('A')).toBe(1);
  });
});
