/**
 * The Calico pool row of the network map: the pool bar with its block
 * boundaries, the first blocks enlarged (each a cell with its CIDR) and the
 * count of the rest, blocks known to belong to a node in the node's colour,
 * and the pool's encapsulation and node selector.
 */

import { calicoEncapsulation } from "../plan/document.js";
import { familyBits, nthSubnet } from "../shared/cidr.js";
import {
  BAR_W,
  BAR_X,
  type Bar,
  colour,
  drawOverlaps,
  endLabels,
  grouped,
  label,
  labelColumn,
  MONO_EM,
  n,
  overlapsOf,
  type Svg,
  span,
} from "./svg.js";
import type { MapFamily, MapPool, NetworkMapModel } from "./types.js";

/** Blocks drawn enlarged under a pool bar; the rest is counted. */
const SHOWN_BLOCKS = 8;
/** Width left of the enlarged cells for the "… and N more" note. */
const MORE_W = 210;

export function drawPoolRow(s: Svg, fam: MapFamily, pool: MapPool, model: NetworkMapModel): void {
  s.y += 18;
  const top = s.y;
  const bar: Bar = { cidr: pool.net.cidr, x: BAR_X, w: BAR_W };
  const barY = top + 18;
  const barH = 20;
  const bits = familyBits(pool.net.cidr.family);
  const validBlock = pool.blockSize >= pool.net.cidr.prefix && pool.blockSize <= bits;
  const blocks = validBlock ? 1n << BigInt(pool.blockSize - pool.net.cidr.prefix) : 0n;
  const perBlock = validBlock ? 1n << BigInt(bits - pool.blockSize) : 0n;
  // Each node needs at least ceil(maxPods / block size) blocks before it borrows addresses.
  const perNode = perBlock > 0n ? (BigInt(model.maxPodsPerNode) + perBlock - 1n) / perBlock : 0n;
  const need = perNode * BigInt(model.nodeCount);
  const pct = blocks > 0n ? Number((need * 10000n) / blocks) / 100 : 0;
  const modes = pool.ipipMode !== undefined || pool.vxlanMode !== undefined;
  const lines = validBlock
    ? [
        `/${pool.blockSize} blocks: ${grouped(blocks)} of ${grouped(perBlock)} addresses`,
        `≥ ${grouped(perNode)} per node → ${grouped(need)} of ${grouped(blocks)} (${pct.toFixed(2)} %)`,
      ]
    : [`blockSize ${pool.blockSize} does not fit /${pool.net.cidr.prefix} (must be ${pool.net.cidr.prefix}-${bits})`];
  if (modes)
    lines.push(`encapsulation: ${calicoEncapsulation({ ipipMode: pool.ipipMode ?? "Never", vxlanMode: pool.vxlanMode ?? "Never" })}`);
  if (pool.nodeSelector !== undefined) lines.push(`nodeSelector: ${pool.nodeSelector}`);
  labelColumn(
    s,
    top,
    `Calico pool ${pool.name}`,
    pool.net.cidr,
    "blocks are handed to nodes on demand",
    lines,
    overlapsOf(fam, pool.net).length > 0 || !validBlock,
  );
  s.rect(
    { x: bar.x, y: barY, width: bar.w, height: barH, fill: "#e8f8fa", stroke: "#17becf", "stroke-width": 1, class: "pool" },
    `pool ${pool.name} ${pool.net.cidr.text}`,
  );
  // block boundaries, when there are few enough to see
  if (blocks > 1n && blocks <= 256n) {
    for (let i = 1n; i < blocks; i++) {
      const x = bar.x + (Number(i) / Number(blocks)) * bar.w;
      s.line({ x1: x, y1: barY, x2: x, y2: barY + barH, stroke: "#9edae5", "stroke-width": 0.6 });
    }
  }
  for (const b of pool.nodeBlocks) {
    const sp = span(bar, b.cidr);
    s.rect(
      { x: sp.x, y: barY, width: sp.w, height: barH, fill: colour(b.nodeIndex), class: "node-block" },
      `${b.node} block ${b.cidr.text}`,
    );
  }
  endLabels(s, bar, barY - 4);
  const captions = drawOverlaps(s, fam, pool.net, bar, barY, barH, barY + barH + 14);
  let bottom = barY + barH + 6 + captions;
  if (blocks > 0n) bottom = drawFirstBlocks(s, pool, bar, blocks, perBlock, barY + barH, bottom + 26);
  s.y = Math.max(bottom, top + 58 + 14 * lines.length) + 6;
}

/** The pool's first blocks as cells under the bar, a magnifier back to where they sit; returns the bottom y. */
function drawFirstBlocks(s: Svg, pool: MapPool, bar: Bar, blocks: bigint, perBlock: bigint, barBottom: number, y: number): number {
  const cellsW = blocks > BigInt(SHOWN_BLOCKS) ? BAR_W - MORE_W : BAR_W;
  const candidates = Array.from({ length: blocks < BigInt(SHOWN_BLOCKS) ? Number(blocks) : SHOWN_BLOCKS }, (_, i) =>
    nthSubnet(pool.net.cidr, pool.blockSize, BigInt(i)),
  );
  // as many cells as can show their CIDR in full
  let shown = candidates.length;
  while (shown > 1 && Math.max(...candidates.slice(0, shown).map((c) => c.text.length)) * MONO_EM * 11 > cellsW / shown - 10) shown--;
  const cells = candidates.slice(0, shown);
  const more = blocks - BigInt(shown);
  const h = 24;
  const cellW = cellsW / shown;
  const first = cells[0] as (typeof cells)[number];
  const last = cells[shown - 1] as (typeof cells)[number];
  const from = span(bar, { ...first, last: last.last });
  s.path({
    d: `M${n(from.x)} ${n(barBottom)} L${n(from.x + from.w)} ${n(barBottom)} L${n(bar.x + cellsW)} ${n(y)} L${n(bar.x)} ${n(y)} Z`,
    fill: "#17becf",
    "fill-opacity": 0.08,
    stroke: "#9edae5",
    "stroke-width": 0.8,
  });
  cells.forEach((block, i) => {
    const x = bar.x + i * cellW;
    s.rect(
      { x: x + 1, y, width: cellW - 2, height: h, fill: "#e8f8fa", stroke: "#17becf", "stroke-width": 1, class: "pool-block" },
      `pool ${pool.name} block ${block.text} (${grouped(perBlock)} addresses)`,
    );
    label(s, x + 5, y + 16, block.text, "m s", cellW - 8);
  });
  if (more > 0n) label(s, bar.x + cellsW + 10, y + 16, `… and ${grouped(more)} more /${pool.blockSize} blocks`, "s", MORE_W - 12);
  return y + h;
}
