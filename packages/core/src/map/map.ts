/**
 * The network map: one SVG picture of a spec's address space, per family.
 * Pod CIDR with each node's subnet (labelled by node), Calico pools and
 * blocks, the service CIDR with the kubernetes and DNS Service IPs, host and
 * reserved networks, capacity use, and every overlap in red.
 *
 * Pure and deterministic: the same input gives the same bytes (no clock, no
 * randomness, numbers printed with fixed precision). All text is XML-escaped.
 */

import type { PlanDocument } from "../plan/document.js";
import type { CidrPlan } from "../plan/index.js";
import { size } from "../shared/cidr.js";
import { formatProblem, type Problem } from "../shared/problems.js";
import { checkSpec, type RenderContext } from "../spec/bundle.js";
import { mapModelFromInput, mapModelFromPlan } from "./model.js";
import { drawPodRow } from "./pod-row.js";
import { drawPoolRow } from "./pool-row.js";
import {
  BAR_W,
  BAR_X,
  type Bar,
  drawOverlaps,
  endLabels,
  escapeXml,
  grouped,
  inside,
  LABEL_W,
  LEFT,
  label,
  labelColumn,
  MAX_ROWS,
  MONO,
  n,
  OVERLAP_RED,
  overlapsOf,
  PALETTE,
  SANS,
  SANS_EM,
  Svg,
  WIDTH,
  wrap,
  wrapWords,
  xAt,
} from "./svg.js";
import type { MapFamily, MapHostNet, MapNet, NetworkMapExtras, NetworkMapModel } from "./types.js";

export { escapeXml, OVERLAP_RED } from "./svg.js";
export type { NetworkMapExtras, NetworkMapPool } from "./types.js";

/** Renders the map of a valid plan. */
export function renderNetworkMap(plan: CidrPlan, extras: NetworkMapExtras = {}): string {
  return drawNetworkMap(mapModelFromPlan(plan, extras));
}

/**
 * Renders the map of raw spec input that may be invalid (wrong types, bad
 * CIDRs, overlaps): whatever parses is drawn, overlaps in red, and the rest
 * is listed. Pass the spec's problems in `extras.problems` to list them too.
 */
export function renderNetworkMapOfInput(input: unknown, extras: NetworkMapExtras = {}): string {
  return drawNetworkMap(mapModelFromInput(input, extras));
}

/** The draw order: header, problems, then one section per family, then the legend. */
export function drawNetworkMap(model: NetworkMapModel): string {
  const s = new Svg();
  s.y = 40;
  label(s, LEFT, s.y, model.title, "h", WIDTH - 2 * LEFT, { "font-size": 20 });
  s.y += 24;
  const fams = model.families.map((f) => (f.family === "ipv4" ? "IPv4" : "IPv6")).join(" + ") || "no address family";
  label(
    s,
    LEFT,
    s.y,
    `${model.nodeCount} node${model.nodeCount === 1 ? "" : "s"} · ${fams} · maxPods ${model.maxPodsPerNode} · ${model.clusterDomain}${model.valid ? "" : " · INVALID SPEC: drawn from what parses"}`,
    "t",
    WIDTH - 2 * LEFT,
    model.valid ? {} : { fill: OVERLAP_RED },
  );
  s.y += 20;
  drawProblems(s, model);
  for (const fam of model.families) drawFamily(s, fam, model);
  if (model.families.length === 0) {
    s.y += 24;
    label(s, LEFT, s.y, "Nothing to draw: no pod, service or node network parses.", "t", WIDTH - 2 * LEFT, { fill: OVERLAP_RED });
    s.y += 10;
  }
  drawLegend(s, model);
  const height = Math.ceil(s.y + 24);
  const head = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="map-title">`,
    `<title id="map-title">${escapeXml(model.title)}</title>`,
    "<style>",
    `text{font-family:${SANS};font-size:12px;fill:#222}`,
    `.m{font-family:${MONO}}`,
    ".s{font-size:11px;fill:#555}",
    ".b{font-weight:bold}",
    ".h{font-size:15px;font-weight:bold}",
    "</style>",
    `<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
  ];
  return `${[...head, ...s.parts, "</svg>"].join("\n")}\n`;
}

/** Problems listed on the map; `podnet validate` lists every one. */
const MAX_PROBLEMS = 60;
/** Lines one problem may take (real messages take one to three). */
const MAX_PROBLEM_LINES = 8;
/**
 * Advance assumed when wrapping problem text: above SANS_EM, since messages are dense
 * with quotes, digits and capitals, so a wrapped line never runs past the box.
 */
const PROBLEM_EM = 0.6;

function drawProblems(s: Svg, model: NetworkMapModel): void {
  const rows = [
    ...model.problems.map((p) => formatProblem(p)),
    // values the problems already name are not listed twice
    ...model.unparsed
      .filter((u) => !model.problems.some((p) => p.path === u.path))
      .map((u) => `${u.path}: ${u.value} ${u.reason} (not drawn)`),
  ];
  if (rows.length === 0) return;
  const shown = rows.slice(0, MAX_PROBLEMS);
  const indent = 14;
  const textW = WIDTH - 2 * LEFT - 20 - indent;
  const perLine = Math.floor(textW / (PROBLEM_EM * 11));
  // each problem word-wrapped; its continuation lines indented
  const lines = shown.flatMap((r) => wrapWords(r, perLine, MAX_PROBLEM_LINES).map((text, i) => ({ text, x: i === 0 ? 0 : indent })));
  const h = 30 + 15 * lines.length + (rows.length > shown.length ? 15 : 0);
  s.y += 6;
  s.rect({
    x: LEFT,
    y: s.y,
    width: WIDTH - 2 * LEFT,
    height: h,
    fill: "#fdecea",
    stroke: OVERLAP_RED,
    "stroke-width": 1,
    rx: 4,
    class: "problems",
  });
  const heading = model.problems.length > 0 ? `${model.problems.length} problem${model.problems.length === 1 ? "" : "s"}` : "Not drawn";
  label(s, LEFT + 10, s.y + 20, heading, "b", 400, { fill: OVERLAP_RED });
  lines.forEach((l, i) => {
    s.text(LEFT + 10 + l.x, s.y + 38 + 15 * i, l.text, { class: "s problem" });
  });
  if (rows.length > shown.length)
    label(
      s,
      LEFT + 10,
      s.y + 38 + 15 * lines.length,
      `… and ${rows.length - shown.length} more (podnet validate lists every one)`,
      "s",
      600,
    );
  s.y += h + 10;
}

function drawFamily(s: Svg, fam: MapFamily, model: NetworkMapModel): void {
  s.y += 30;
  const name = fam.family === "ipv4" ? "IPv4" : "IPv6";
  label(s, LEFT, s.y, `${name} address space`, "h", 400);
  s.line({ x1: LEFT, y1: s.y + 8, x2: WIDTH - LEFT, y2: s.y + 8, stroke: "#999", "stroke-width": 1 });
  s.y += 16;
  let rows = 0;
  for (const pod of fam.pods) drawPodRow(s, fam, pod, model);
  const placed = fam.nodeSubnets.filter((ns) => fam.pods.some((p) => inside({ cidr: p.cidr, x: 0, w: 1 }, ns.cidr)));
  const stray = fam.nodeSubnets.filter((ns) => !placed.includes(ns));
  if (stray.length > 0) {
    s.y += 16;
    const list = stray.map((ns) => `${ns.node} ${ns.cidr.text}`).join(", ");
    label(s, LEFT, s.y, `Node subnets outside every ${name} pod CIDR: ${list}`, "t", WIDTH - 2 * LEFT, { fill: OVERLAP_RED });
    s.y += 6;
  }
  for (const pool of fam.pools) drawPoolRow(s, fam, pool, model);
  for (const svc of fam.services) drawServiceRow(s, fam, svc);
  for (const host of fam.hosts) {
    if (rows++ >= MAX_ROWS) break;
    drawSmallRow(s, fam, host.net, "Host network", hostDetail(host), "#f0f0f0", "#888", host);
  }
  for (const r of fam.reserved) {
    if (rows++ >= MAX_ROWS) break;
    drawSmallRow(s, fam, r, "Reserved", r.label, "#e9e9e9", "#777");
  }
  if (rows > MAX_ROWS) {
    s.y += 16;
    label(s, LEFT, s.y, `… ${fam.hosts.length + fam.reserved.length - MAX_ROWS} more host and reserved networks not drawn`, "s", 600);
  }
  drawOverlapList(s, fam);
}

function hostDetail(host: MapHostNet): string {
  return host.members.map((m) => `${m.node} ${m.iface} ${m.addressText}`).join(", ");
}

function drawServiceRow(s: Svg, fam: MapFamily, svc: MapNet): void {
  s.y += 18;
  const top = s.y;
  const bar: Bar = { cidr: svc.cidr, x: BAR_X, w: BAR_W };
  const barY = top + 18;
  const barH = 22;
  const total = size(svc.cidr);
  // network and (IPv4) broadcast addresses are never handed out
  const usable = total > 2n ? total - 2n : 0n;
  labelColumn(s, top, "Service CIDR", svc.cidr, svc.label, [`${grouped(usable)} Service IPs`], overlapsOf(fam, svc).length > 0);
  s.rect(
    { x: bar.x, y: barY, width: bar.w, height: barH, fill: "#f4eef6", stroke: "#b07aa1", "stroke-width": 1 },
    `service CIDR ${svc.cidr.text}`,
  );
  endLabels(s, bar, barY - 4);
  const marks: Array<{ name: string; ip: { value: bigint; text: string } }> = [];
  if (fam.kubernetesIp && fam.services[0] === svc) marks.push({ name: "kubernetes", ip: fam.kubernetesIp });
  if (fam.dnsIp && fam.dnsIp.value >= svc.cidr.first && fam.dnsIp.value <= svc.cidr.last) marks.push({ name: "DNS", ip: fam.dnsIp });
  let y = barY + barH + 22;
  for (const m of marks) {
    const x = xAt(bar, m.ip.value);
    s.line({ x1: x, y1: barY, x2: x, y2: y - 10, stroke: "#333", "stroke-width": 1.2, class: "service-ip" });
    s.path({ d: `M${n(x)} ${n(barY + barH + 1)} L${n(x - 4)} ${n(barY + barH + 7)} L${n(x + 4)} ${n(barY + barH + 7)} Z`, fill: "#333" });
    const text = `${m.name} Service ${m.ip.text}`;
    const w = text.length * SANS_EM * 12;
    label(s, Math.min(x + 4, bar.x + bar.w - w), y, text, "t", w + 10);
    y += 16;
  }
  const captions = drawOverlaps(s, fam, svc, bar, barY, barH, y);
  s.y = Math.max(y + captions, top + 72) + 4;
}

function drawSmallRow(
  s: Svg,
  fam: MapFamily,
  net: MapNet,
  heading: string,
  detail: string,
  fill: string,
  stroke: string,
  host?: MapHostNet,
): void {
  s.y += 12;
  const top = s.y;
  const bar: Bar = { cidr: net.cidr, x: BAR_X, w: BAR_W };
  const barY = top + 4;
  const barH = 14;
  const red = overlapsOf(fam, net).length > 0;
  label(s, LEFT, top + 8, heading, "b", 110, red ? { fill: OVERLAP_RED } : {});
  label(s, LEFT + 110, top + 8, net.cidr.text, "m", LABEL_W - 110);
  const lines = wrap(detail, Math.floor(LABEL_W / (SANS_EM * 11)), 3);
  lines.forEach((l, i) => {
    label(s, LEFT, top + 22 + 13 * i, l, "s", LABEL_W);
  });
  s.rect({ x: bar.x, y: barY, width: bar.w, height: barH, fill, stroke, "stroke-width": 1 }, `${heading} ${net.cidr.text}`);
  for (const m of host?.members ?? []) {
    const x = xAt(bar, m.address);
    s.rect(
      { x: x - 1, y: barY - 3, width: 2.5, height: barH + 6, fill: "#333", class: "host-address" },
      `${m.node} ${m.iface} ${m.addressText}`,
    );
  }
  const captions = drawOverlaps(s, fam, net, bar, barY, barH, barY + barH + 12);
  s.y = Math.max(top + 13 + 13 * lines.length, barY + barH + captions + 4);
}

function drawOverlapList(s: Svg, fam: MapFamily): void {
  if (fam.overlaps.length === 0) return;
  s.y += 22;
  label(s, LEFT, s.y, `${fam.overlaps.length} overlap${fam.overlaps.length === 1 ? "" : "s"}`, "b", 300, { fill: OVERLAP_RED });
  for (const o of fam.overlaps.slice(0, 30)) {
    s.y += 15;
    label(
      s,
      LEFT + 10,
      s.y,
      `${o.a.label} ${o.a.cidr.text} overlaps ${o.b.label} ${o.b.cidr.text}: shared ${o.shared.text}`,
      "s",
      WIDTH - 2 * LEFT - 10,
      {
        fill: OVERLAP_RED,
      },
    );
  }
  if (fam.overlaps.length > 30) {
    s.y += 15;
    label(s, LEFT + 10, s.y, `… and ${fam.overlaps.length - 30} more`, "s", 300, { fill: OVERLAP_RED });
  }
}

function drawLegend(s: Svg, model: NetworkMapModel): void {
  s.y += 34;
  const items: Array<[string, string]> = [
    ["#eef3f8", "pod CIDR"],
    ...(model.calico ? [] : [[PALETTE[0] as string, "node subnet (colour per node)"] as [string, string]]),
    ["#17becf", model.calico ? "Calico pool and its blocks" : "Calico pool"],
    ["#f4eef6", "service CIDR"],
    ["#f0f0f0", "host network (ticks: node addresses)"],
    ["#e9e9e9", "reserved"],
    [OVERLAP_RED, "overlap"],
  ];
  let x = LEFT;
  for (const [fill, text] of items) {
    s.rect({ x, y: s.y - 10, width: 14, height: 12, fill, stroke: "#666", "stroke-width": 0.5 });
    s.text(x + 20, s.y, text, { class: "s" });
    x += 34 + text.length * SANS_EM * 11;
  }
}

/** What the map takes from a plan document beyond the plan: the Calico component's resolved pools. */
export function mapExtrasOf(doc: PlanDocument): NetworkMapExtras {
  const calico = doc.components.calico;
  if (!calico) return {};
  return {
    calico: true,
    pools: calico.ipPools.map((p) => ({
      name: p.name,
      cidr: p.cidr,
      blockSize: p.blockSize,
      ipipMode: p.ipipMode,
      vxlanMode: p.vxlanMode,
      nodeSelector: p.nodeSelector,
    })),
  };
}

/** The map of a spec, valid or not, with the spec's problems. */
export interface SpecMap {
  readonly svg: string;
  /** True when the spec is valid and the map shows its plan. */
  readonly valid: boolean;
  readonly errors: readonly Problem[];
  readonly warnings: readonly Problem[];
}

/**
 * Validates a whole spec and draws it: the plan when valid, otherwise what
 * parses, with the problems listed and overlaps in red. `context` is what
 * `checkSpec` takes (previous allocation, certificate files the spec names).
 */
export function renderSpecMap(input: unknown, context: RenderContext = {}, extras: NetworkMapExtras = {}): SpecMap {
  const r = checkSpec(input, context);
  if (r.value) {
    return {
      svg: renderNetworkMap(r.value.document.plan, { ...mapExtrasOf(r.value.document), ...extras, problems: [] }),
      valid: true,
      errors: [],
      warnings: r.warnings,
    };
  }
  return { svg: renderNetworkMapOfInput(input, { ...extras, problems: r.errors }), valid: false, errors: r.errors, warnings: r.warnings };
}
