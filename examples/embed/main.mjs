// Creates a table in the main thread and sells from it in a piscina pool of your own.
// Run from the project root after `npm run build`: node examples/embed/main.mjs
import { Piscina } from 'piscina';
import { Inventory } from 'stockroom';

const inventory = Inventory.create({ 'MUG-RED': 100, 'MUG-BLUE': 20 }, { strategy: 'atomic' });

const pool = new Piscina({
  filename: new URL('./sell-worker.mjs', import.meta.url).href,
  // Each thread attaches to the table once, from the buffer alone.
  workerData: { buffer: inventory.buffer },
  maxThreads: 2,
});

const orders = Array.from({ length: 8 }, (_, i) => ({
  sku: i % 2 === 0 ? 'MUG-RED' : 'MUG-BLUE',
  quantity: 5,
  count: 10,
}));
const sold = await Promise.all(orders.map((order) => pool.run(order)));
await pool.close();

console.log('units sold per task:', sold.join(' '));
console.log(
  inventory.snapshot().map(({ sku, stock, sold }) => `${sku}: stock ${stock}, sold ${sold}`),
);
console.log('invariants broken:', inventory.checkInvariants().length);
