// A piscina task file: runs in a pool thread, where the table's blocking waits are allowed.
import { workerData } from 'node:worker_threads';
import { Inventory } from 'stockroom';

const inventory = Inventory.attach(workerData.buffer);

/** Buys `quantity` units of `sku` up to `count` times; returns the units sold. */
export default function sell({ sku, quantity, count }) {
  let units = 0;
  for (let i = 0; i < count; i++) {
    const result = inventory.purchase(sku, quantity);
    if (!result.ok) break;
    units += quantity;
  }
  return units;
}
