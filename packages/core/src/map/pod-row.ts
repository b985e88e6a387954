/**
 * The pod CIDR row of the network map: the bar with every node subnet, an
 * enlarged strip when the subnets sit close together, and a box per node.
 */
import { contains, familyBits, nthSubnet, subnetIndex } from "../shared/cidr.js";
import { nodeSubnetCapacity } from "./model.js";
import {
  BAR_W,
  BAR_X,
  type Bar,
  colour,
  drawOverlaps,
  endLabels,
  fit,
  grouped,
  inside,
  LABEL_W,
  LEFT,
  label,
  labelColumn,
  MAX_BOXES,
  n,
  ON_PALETTE,
  OVERLAP_RED,
  overlapsOf,
  PALETTE,
  type Svg,
  span,
} from "./svg.js";
import type { MapFamily, MapNet, MapOverlap, NetworkMapModel } from "./types.js";

/** Draws one pod CIDR's row: label column with capacity gauge, the bar with pools and node subnets, overlaps, zoom and node boxes. */
export function drawPodRow(s: Svg, fam: MapFamily, pod: MapNet, model: NetworkMapModel): void {
  s.y += 18;
  const top = s.y;
  const bar: Bar = { cidr: pod.cidr, x: BAR_X, w: BAR_W };
  const barY = top + 18;
  const barH = 28;
  const subnets = fam.nodeSubnets.filter((ns) => inside(bar, ns.cidr));
  const cap = nodeSubnetCapacity(pod.cidr, fam.nodeMask);
  const used = BigInt(subnets.length);
  const pct = cap > 0n ? Number((used * 10000n) / cap) / 100 : 0;
  const lines = podRowLines(fam, pod, bar, model, used, cap, pct);
  const red = overlapsOf(fam, pod).length > 0;
  labelColumn(s, top, "Pod CIDR", pod.cidr, pod.label, lines, red);
  // capacity gauge under the label column
  const gy = top + 82;
  if (!model.calico) s.rect({ x: LEFT, y: gy, width: 240, height: 8, fill: "#eeeeee", stroke: "#999", "stroke-width": 0.5 });
  if (used > 0n && cap > 0n)
    s.rect({ x: LEFT, y: gy, width: Math.max(2, Math.min(240, (240 * pct) / 100)), height: 8, fill: "#4e79a7", class: "capacity" });

  s.rect(
    { x: bar.x, y: barY, width: bar.w, height: barH, fill: "#eef3f8", stroke: "#4e79a7", "stroke-width": 1 },
    `pod CIDR ${pod.cidr.text}`,
  );
  for (const pool of fam.pools.filter((p) => inside(bar, p.net.cidr))) {
    const sp = span(bar, pool.net.cidr);
    s.rect(
      { x: sp.x, y: barY + barH - 6, width: sp.w, height: 6, fill: "#17becf", "fill-opacity": 0.8 },
      `Calico pool ${pool.name} ${pool.net.cidr.text}`,
    );
  }
  for (const ns of subnets) {
    const sp = span(bar, ns.cidr);
    s.rect(
      { x: sp.x, y: barY, width: sp.w, height: barH, fill: colour(ns.nodeIndex), class: "node-subnet" },
      `${ns.node} ${ns.cidr.text} (${ns.source})`,
    );
  }
  endLabels(s, bar, barY - 4);
  const captions = drawOverlaps(s, fam, pod, bar, barY, barH, barY + barH + 14);
  let y = barY + barH + captions;
  const collisions = drawCollisions(s, fam, bar, barY, barH, captions);
  y += collisions.length * 14;
  const zoom = zoomBar(bar, fam.nodeMask, subnets);
  let from = { bottom: barY + barH, bar };
  if (zoom) {
    // below the label column's lines and gauge, which the zoom's own labels share
    y = drawZoom(s, bar, zoom, subnets, collisions, barY + barH, Math.max(y + 22, gy + 30));
    from = { bottom: y, bar: zoom };
  }
  y = drawNodeBoxes(s, from.bar, subnets, from.bottom, y + 36);
  s.y = Math.max(y, gy + 8) + 6;
}

/** The label column's lines: Calico's on-demand blocks, or the node subnets' use of the pod CIDR and the addresses per node. */
function podRowLines(fam: MapFamily, pod: MapNet, bar: Bar, model: NetworkMapModel, used: bigint, cap: bigint, pct: number): string[] {
  const bits = familyBits(pod.cidr.family);
  const maskFits = fam.nodeMask !== undefined && fam.nodeMask >= pod.cidr.prefix && fam.nodeMask <= bits;
  const perNode = maskFits ? (1n << BigInt(bits - (fam.nodeMask as number))) - 2n : 0n;
  const pools = fam.pools.filter((p) => inside(bar, p.net.cidr)).length;
  const calicoLines = [`Calico IPAM: blocks of ${pools} pool${pools === 1 ? "" : "s"}, on demand`, "node podCIDRs: unused by calico-ipam"];
  return model.calico
    ? calicoLines
    : [
        fam.nodeMask === undefined
          ? "node mask: not set"
          : maskFits
            ? `/${fam.nodeMask} node subnets: ${grouped(used)} of ${grouped(cap)} used (${pct.toFixed(2)} %)`
            : `node mask ${fit(String(fam.nodeMask), 24)} does not fit /${pod.cidr.prefix} (must be ${pod.cidr.prefix}-${bits})`,
        perNode > 0n ? `${grouped(perNode)} pod addresses per node (maxPods ${model.maxPodsPerNode})` : "",
      ];
}

/** Node subnets that share addresses, in red on the bar, each with a caption line below the overlap captions; returns them. */
function drawCollisions(s: Svg, fam: MapFamily, bar: Bar, barY: number, barH: number, captions: number): MapOverlap[] {
  const collisions = fam.overlaps.filter((o) => o.a.kind === "node-subnet" && o.b.kind === "node-subnet" && inside(bar, o.shared));
  collisions.forEach((o, i) => {
    const sp = span(bar, o.shared);
    s.rect(
      {
        x: sp.x,
        y: barY - 3,
        width: sp.w,
        height: barH + 6,
        fill: OVERLAP_RED,
        "fill-opacity": 0.55,
        stroke: OVERLAP_RED,
        "stroke-width": 1.5,
        class: "overlap",
      },
      `${o.a.label} overlaps ${o.b.label}`,
    );
    label(
      s,
      bar.x,
      barY + barH + 14 + captions + 14 * i,
      `${o.a.label} ${o.a.cidr.text} overlaps ${o.b.label} ${o.b.cidr.text}`,
      "s",
      BAR_W,
      { fill: OVERLAP_RED },
    );
  });
  return collisions;
}

/**
 * The smallest aligned block of 8 or more node slots that holds every node
 * subnet, when it is at most an eighth of the pod CIDR: drawn enlarged, so
 * neighbouring /24s of a /16 become readable cells.
 */
function zoomBar(bar: Bar, mask: number | undefined, subnets: MapFamily["nodeSubnets"]): Bar | undefined {
  const pod = bar.cidr;
  const firstSub = subnets[0]?.cidr;
  if (mask === undefined || !firstSub || mask > familyBits(pod.family) || mask - 3 < pod.prefix + 3) return undefined;
  if (subnets.some((ns) => ns.cidr.prefix !== mask || !contains(pod, ns.cidr))) return undefined;
  const slot = subnetIndex(pod, firstSub);
  // At most 64 slots: the cells must stay wide enough to tell apart.
  for (let zp = mask - 3; zp >= Math.max(pod.prefix + 3, mask - 6); zp--) {
    const block = nthSubnet(pod, zp, slot >> BigInt(mask - zp));
    if (subnets.every((ns) => contains(block, ns.cidr))) return { cidr: block, x: bar.x, w: bar.w };
  }
  return undefined;
}

/** The enlarged slot strip with a magnifier outline back to the pod bar; returns its bottom y. */
function drawZoom(
  s: Svg,
  bar: Bar,
  zoom: Bar,
  subnets: MapFamily["nodeSubnets"],
  collisions: readonly MapOverlap[],
  barBottom: number,
  y: number,
): number {
  const sp = span(bar, zoom.cidr);
  const h = 26;
  s.path({
    d: `M${n(sp.x)} ${n(barBottom)} L${n(sp.x + sp.w)} ${n(barBottom)} L${n(zoom.x + zoom.w)} ${n(y)} L${n(zoom.x)} ${n(y)} Z`,
    fill: "#4e79a7",
    "fill-opacity": 0.08,
    stroke: "#9db4cc",
    "stroke-width": 0.8,
  });
  s.rect({ x: zoom.x, y, width: zoom.w, height: h, fill: "#ffffff", stroke: "#4e79a7", "stroke-width": 1 }, `enlarged: ${zoom.cidr.text}`);
  const mask = subnets[0]?.cidr.prefix ?? zoom.cidr.prefix;
  const slots = 1 << (mask - zoom.cidr.prefix);
  for (let i = 0; i < slots; i++) {
    const c = nthSubnet(zoom.cidr, mask, BigInt(i));
    const cs = span(zoom, c);
    s.rect({ x: cs.x, y, width: cs.w, height: h, fill: "none", stroke: "#c9d6e3", "stroke-width": 0.8 });
  }
  for (const ns of subnets) {
    const cs = span(zoom, ns.cidr);
    s.rect(
      { x: cs.x + 1, y: y + 1, width: cs.w - 2, height: h - 2, fill: colour(ns.nodeIndex), class: "node-subnet" },
      `${ns.node} ${ns.cidr.text}`,
    );
    label(s, cs.x + 4, y + 17, ns.node, "s", cs.w - 6, { fill: ON_PALETTE[ns.nodeIndex % PALETTE.length] });
  }
  for (const o of collisions) {
    const cs = span(zoom, o.shared);
    s.rect(
      {
        x: cs.x,
        y: y - 2,
        width: cs.w,
        height: h + 4,
        fill: OVERLAP_RED,
        "fill-opacity": 0.45,
        stroke: OVERLAP_RED,
        "stroke-width": 2,
        class: "overlap",
      },
      `${o.a.label} overlaps ${o.b.label}`,
    );
  }
  label(s, LEFT, y + 10, `enlarged: ${zoom.cidr.text}`, "s", LABEL_W);
  label(s, LEFT, y + 24, `${slots} /${mask} node slots`, "s", LABEL_W);
  endLabels(s, zoom, y - 4);
  return y + h;
}

/** Node boxes under the pod bar: one row with connectors for small clusters, a grid otherwise. */
function drawNodeBoxes(s: Svg, bar: Bar, subnets: MapFamily["nodeSubnets"], barBottom: number, y: number): number {
  if (subnets.length === 0) return y;
  const shown = subnets.slice(0, MAX_BOXES);
  const oneRow = shown.length <= 8;
  const cols = oneRow ? shown.length : 8;
  const gap = 8;
  const bw = oneRow ? Math.min(180, (BAR_W - gap * (cols - 1)) / cols) : (BAR_W - gap * 7) / 8;
  const bh = 46;
  const rowW = cols * bw + (cols - 1) * gap;
  const x0 = oneRow ? Math.max(bar.x, Math.min(bar.x + (bar.w - rowW) / 2, bar.x + bar.w - rowW)) : bar.x;
  shown.forEach((ns, i) => {
    const col = i % cols;
    const row = Math.floor(i / cols);
    const bx = x0 + col * (bw + gap);
    const by = y + row * (bh + gap);
    const c = colour(ns.nodeIndex);
    if (oneRow) {
      const sp = span(bar, ns.cidr);
      const sx = sp.x + sp.w / 2;
      const tx = bx + bw / 2;
      s.path({
        d: `M${n(sx)} ${n(barBottom)} C${n(sx)} ${n(barBottom + 30)} ${n(tx)} ${n(by - 30)} ${n(tx)} ${n(by)}`,
        fill: "none",
        stroke: c,
        "stroke-width": 1.2,
      });
    }
    s.rect({ x: bx, y: by, width: bw, height: bh, fill: "#ffffff", stroke: c, "stroke-width": 2, rx: 4 });
    s.rect({ x: bx, y: by, width: 6, height: bh, fill: c });
    label(s, bx + 12, by + 16, ns.node, "b", bw - 16);
    label(s, bx + 12, by + 30, ns.cidr.text, "m s", bw - 16);
    label(s, bx + 12, by + 42, ns.source, "s", bw - 16);
  });
  const rowsUsed = Math.ceil(shown.length / cols);
  let end = y + rowsUsed * (bh + gap);
  if (subnets.length > shown.length) {
    label(s, bar.x, end + 12, `… and ${subnets.length - shown.length} more node subnets`, "s", 400);
    end += 18;
  }
  return end;
}
