/**
 * Drawing primitives of the network map: layout constants, XML escaping,
 * fixed-precision numbers, bars that map addresses to x, and the label,
 * end-label and overlap helpers every row uses.
 */
import { addressText, type Cidr, size } from "../shared/cidr.js";
import type { MapFamily, MapNet, MapOverlap } from "./types.js";

/** Colour of overlapping addresses (and of everything that reports one). */
export const OVERLAP_RED = "#d62728";

// Layout, in SVG user units (px). The picture is 1400 wide; rows stack downwards.
export const WIDTH = 1400;
export const LEFT = 24;
export const BAR_X = 340;
export const BAR_W = 1030;
export const LABEL_W = BAR_X - LEFT - 20;
/** Average advance of DejaVu Sans Mono: 0.602 em (font metrics), used to fit labels. */
export const MONO_EM = 0.602;
/** Rough average advance of DejaVu Sans for mixed text (0.58 em), used to fit labels. */
export const SANS_EM = 0.58;
export const SANS = "DejaVu Sans, Verdana, Arial, sans-serif";
export const MONO = "DejaVu Sans Mono, Menlo, Consolas, monospace";
/** Node colours (Tableau 10 without its red, which means "overlap" here). */
export const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#bab0ac", "#1f77b4", "#8c564b"];
/** Text colour readable on each palette colour (dark on the light ones). */
export const ON_PALETTE = ["#ffffff", "#111111", "#ffffff", "#ffffff", "#111111", "#111111", "#ffffff", "#111111", "#ffffff", "#ffffff"];
export const MAX_BOXES = 64;
export const MAX_ROWS = 48;

/**
 * Escapes the five XML specials; characters XML 1.0 cannot carry at all
 * (controls, lone surrogates, U+FFFE/U+FFFF) are shown as `\uXXXX` text.
 */
export function escapeXml(value: string): string {
  let out = "";
  for (const ch of value) {
    const c = ch.codePointAt(0) ?? 0;
    const legal =
      c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
    if (!legal) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else if (ch === "&") out += "&amp;";
    else if (ch === "<") out += "&lt;";
    else if (ch === ">") out += "&gt;";
    else if (ch === '"') out += "&quot;";
    else if (ch === "'") out += "&apos;";
    else out += ch;
  }
  return out;
}

/** Cuts text to `max` characters (code points), marking the cut. */
export function fit(value: string, max: number): string {
  const chars = Array.from(value.replace(/[\r\n\t]+/g, " "));
  if (chars.length <= max) return chars.join("");
  return `${chars.slice(0, Math.max(0, max - 1)).join("")}…`;
}

/** Splits text at ", " into at most `maxLines` lines of `width` characters; the last line is cut. */
export function wrap(value: string, width: number, maxLines: number): string[] {
  const lines: string[] = [];
  let cur = "";
  for (const part of value.split(", ")) {
    const next = cur === "" ? part : `${cur}, ${part}`;
    if (Array.from(next).length < width || cur === "") cur = next;
    else {
      lines.push(`${cur},`);
      cur = part;
    }
  }
  if (cur !== "") lines.push(cur);
  if (lines.length <= maxLines) return lines;
  return [...lines.slice(0, maxLines - 1), fit(lines.slice(maxLines - 1).join(" "), width)];
}

/**
 * Word-wraps text into lines of at most `width` characters (code points), breaking a word
 * longer than a line; beyond `maxLines` the last line is cut and marked.
 */
export function wrapWords(value: string, width: number, maxLines: number): string[] {
  const lines: string[] = [];
  let cur: string[] = [];
  for (const word of value.replace(/[\r\n\t]+/g, " ").split(" ")) {
    let chars = Array.from(word);
    if (cur.length > 0 && cur.length + 1 + chars.length > width) {
      lines.push(cur.join(""));
      cur = [];
    }
    if (cur.length > 0) cur.push(" ");
    while (cur.length + chars.length > width) {
      const room = width - cur.length;
      lines.push([...cur, ...chars.slice(0, room)].join(""));
      cur = [];
      chars = chars.slice(room);
    }
    cur.push(...chars);
  }
  if (cur.length > 0 || lines.length === 0) lines.push(cur.join(""));
  if (lines.length <= maxLines) return lines;
  return [
    ...lines.slice(0, maxLines - 1),
    `${Array.from(lines[maxLines - 1] ?? "")
      .slice(0, width - 1)
      .join("")}…`,
  ];
}

/** Fixed-precision coordinates, so output bytes never depend on float noise. */
export function n(v: number): string {
  const r = Math.round(v * 10) / 10;
  return Object.is(r, -0) ? "0" : String(r);
}

/** 1234567 -> "1,234,567" (bigint-safe, locale-independent); beyond a trillion, a power of two. */
export function grouped(v: bigint): string {
  if (v >= 1_000_000_000_000n) {
    const bits = v.toString(2).length - 1;
    if (v === 1n << BigInt(bits)) return `2^${bits}`;
    return `≈ 2^${Math.round(Math.log2(Number(v)) * 10) / 10}`;
  }
  return v.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

export function colour(index: number): string {
  return PALETTE[((index % PALETTE.length) + PALETTE.length) % PALETTE.length] as string;
}

export type Attrs = Record<string, string | number | undefined>;

export function attrs(a: Attrs): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === "number" ? n(v) : escapeXml(v as string)}"`)
    .join("");
}

export class Svg {
  readonly parts: string[] = [];
  y = 0;

  rect(a: Attrs, title?: string): void {
    this.parts.push(title ? `<rect${attrs(a)}><title>${escapeXml(title)}</title></rect>` : `<rect${attrs(a)}/>`);
  }

  line(a: Attrs): void {
    this.parts.push(`<line${attrs(a)}/>`);
  }

  path(a: Attrs): void {
    this.parts.push(`<path${attrs(a)}/>`);
  }

  /** A text; a `fill` becomes an inline style, which (unlike the attribute) wins over the stylesheet. */
  text(x: number, y: number, value: string, a: Attrs = {}): void {
    const { fill, ...rest } = a;
    const style = fill === undefined ? {} : { style: `fill:${fill}` };
    this.parts.push(`<text${attrs({ x, y, ...rest, ...style })}>${escapeXml(value)}</text>`);
  }
}

/** A horizontal bar standing for one block, mapping addresses to x. */
export interface Bar {
  readonly cidr: Cidr;
  readonly x: number;
  readonly w: number;
}

/** x of the start of address `value` on the bar (values outside are clamped). */
export function xAt(bar: Bar, value: bigint): number {
  const total = size(bar.cidr);
  let off = value - bar.cidr.first;
  if (off < 0n) off = 0n;
  if (off > total) off = total;
  // 1e6 steps across the bar: far finer than a pixel, exact in bigint.
  return bar.x + (Number((off * 1_000_000n) / total) / 1_000_000) * bar.w;
}

/** x and width of a block on the bar; at least 2 px so a /32 in a /8 stays visible. */
export function span(bar: Bar, c: Cidr): { x: number; w: number } {
  const x1 = xAt(bar, c.first);
  const x2 = xAt(bar, c.last + 1n);
  const w = Math.max(2, x2 - x1);
  return { x: Math.min(x1, bar.x + bar.w - w), w };
}

export function inside(bar: Bar, c: Cidr): boolean {
  return c.family === bar.cidr.family && c.first <= bar.cidr.last && c.last >= bar.cidr.first;
}

export function label(s: Svg, x: number, y: number, value: string, cls: string, maxWidth: number, a: Attrs = {}): void {
  const em = cls.includes("m") ? MONO_EM : SANS_EM;
  const px = cls.includes("s") ? 11 : cls.includes("h") ? 15 : 12;
  s.text(x, y, fit(value, Math.max(1, Math.floor(maxWidth / (em * px)))), { class: cls, ...a });
}

/** The label column: heading, CIDR, source, then up to three lines of detail. */
export function labelColumn(s: Svg, y: number, heading: string, cidr: Cidr, source: string, lines: readonly string[], red: boolean): void {
  label(s, LEFT, y + 12, heading, "b", LABEL_W, red ? { fill: OVERLAP_RED } : {});
  label(s, LEFT, y + 28, cidr.text, "m", LABEL_W);
  label(s, LEFT, y + 43, source, "s", LABEL_W);
  lines.forEach((l, i) => {
    label(s, LEFT, y + 58 + 14 * i, l, "s", LABEL_W);
  });
}

export function overlapsOf(fam: MapFamily, net: MapNet): Array<{ other: MapNet; o: MapOverlap }> {
  return fam.overlaps.flatMap((o) => (o.a === net ? [{ other: o.b, o }] : o.b === net ? [{ other: o.a, o }] : []));
}

/** Red boxes over the bar for every overlap of `net`, with a red caption under the bar. */
export function drawOverlaps(s: Svg, fam: MapFamily, net: MapNet, bar: Bar, y: number, h: number, captionY: number): number {
  const list = overlapsOf(fam, net);
  list.forEach(({ other, o }, i) => {
    const sp = span(bar, o.shared);
    s.rect(
      {
        x: sp.x,
        y: y - 3,
        width: sp.w,
        height: h + 6,
        fill: OVERLAP_RED,
        "fill-opacity": 0.55,
        stroke: OVERLAP_RED,
        "stroke-width": 1.5,
        class: "overlap",
      },
      `${net.cidr.text} overlaps ${other.label} ${other.cidr.text}`,
    );
    const text = `overlaps ${other.label} ${other.cidr.text} (shared ${o.shared.text})`;
    const w = Math.min(BAR_W, text.length * SANS_EM * 11 + 10);
    const x = Math.max(bar.x, Math.min(sp.x, bar.x + bar.w - w));
    label(s, x, captionY + 14 * i, text, "s", w, { fill: OVERLAP_RED });
  });
  return list.length * 14;
}

/** First and last address at the ends of a bar, drawn just above it. */
export function endLabels(s: Svg, bar: Bar, y: number): void {
  s.text(bar.x, y, addressText(bar.cidr.family, bar.cidr.first), { class: "m s" });
  s.text(bar.x + bar.w, y, addressText(bar.cidr.family, bar.cidr.last), { class: "m s", "text-anchor": "end" });
}
