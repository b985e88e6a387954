/**
 * The network map in a real browser: headless Debian Chromium renders the
 * SVG to a PNG, which is decoded here (IHDR + inflated IDAT, PNG filters
 * undone) to prove the picture is not blank and that overlaps really come
 * out red on screen.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { inflateSync } from "node:zlib";
import { renderSpecMap } from "@podnet/core";
import { renderCalicoMapExample, renderMapExample } from "../scripts/render-map-example.js";
import { needs, which } from "./support/real.js";
import { tempDir } from "./support/temp-dir.js";

const dir = tempDir("map-browser");

interface Image {
  readonly width: number;
  readonly height: number;
  /** RGB(A) bytes, `channels` per pixel, rows without filter bytes. */
  readonly pixels: Uint8Array;
  readonly channels: number;
}

/** Decodes an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium writes). */
function decodePng(png: Buffer): Image {
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], "PNG signature");
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (pos < png.length) {
    const len = png.readUInt32BE(pos);
    const type = png.toString("latin1", pos + 4, pos + 8);
    const data = png.subarray(pos + 8, pos + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, colourType, , , interlace] = [data[8], data[9], data[10], data[11], data[12]];
      assert.equal(depth, 8, "8-bit samples");
      assert.equal(interlace, 0, "not interlaced");
      channels = colourType === 6 ? 4 : colourType === 2 ? 3 : 0;
      assert.ok(channels > 0, `colour type ${colourType} is RGB or RGBA`);
    } else if (type === "IDAT") {
      idat.push(data);
    } else if (type === "IEND") {
      break;
    }
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  assert.equal(raw.length, height * (stride + 1), "inflated size matches IHDR");
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x] as number;
      const a = x >= channels ? (out[y * stride + x - channels] as number) : 0;
      const b = y > 0 ? (out[(y - 1) * stride + x] as number) : 0;
      const c = x >= channels && y > 0 ? (out[(y - 1) * stride + x - channels] as number) : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else assert.equal(filter, 0, "known PNG filter");
      out[y * stride + x] = (v + pred) & 0xff;
    }
  }
  return { width, height, pixels: out, channels };
}

function stats(img: Image): { colours: number; red: number } {
  const colours = new Set<number>();
  let red = 0;
  for (let i = 0; i < img.pixels.length; i += img.channels) {
    const [r, g, b] = [img.pixels[i] as number, img.pixels[i + 1] as number, img.pixels[i + 2] as number];
    colours.add((r << 16) | (g << 8) | b);
    // The overlap colour (#d62728 at 55 % over light backgrounds): strongly red, little green or blue.
    if (r > 180 && g < 130 && b < 130 && r - g > 90) red++;
  }
  return { colours: colours.size, red };
}

const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Lays the SVG out in Chromium with its real fonts and measures every text: the ones
 * outside the viewBox, and problem lines outside the problem box.
 */
function measureTexts(name: string, svg: string): { texts: number; problemLines: number; outside: string[] } {
  const file = join(dir, `${name}.html`);
  const probe = `
const svg = document.querySelector("svg");
const view = svg.viewBox.baseVal;
const box = document.querySelector("rect.problems");
const problemBox = box ? box.getBBox() : undefined;
const outside = [];
let texts = 0, problemLines = 0;
for (const t of svg.querySelectorAll("text")) {
  texts++;
  const b = t.getBBox();
  const problem = t.classList.contains("problem");
  if (problem) problemLines++;
  const lim = problem ? problemBox : view;
  if (b.x < lim.x || b.y < lim.y || b.x + b.width > lim.x + lim.width || b.y + b.height > lim.y + lim.height)
    outside.push(Math.round(b.x) + "+" + Math.round(b.width) + "," + Math.round(b.y) + ": " + t.textContent.slice(0, 50));
}
document.getElementById("out").textContent = JSON.stringify({ texts, problemLines, outside });`;
  writeFileSync(file, `<!doctype html><html><body style="margin:0">${svg}<pre id="out"></pre><script>${probe}</script></body></html>`);
  const r = spawnSync(
    which("chromium") as string,
    [...CHROMIUM_FLAGS, `--user-data-dir=${join(dir, `profile-${name}`)}`, "--dump-dom", `file://${file}`],
    { encoding: "utf8", timeout: 90_000 },
  );
  assert.equal(r.status, 0, `chromium failed: ${r.stderr}`);
  const json = /<pre id="out">([^<]*)<\/pre>/.exec(r.stdout)?.[1];
  assert.ok(json, `no measurement in the DOM: ${r.stdout.slice(0, 200)}`);
  return JSON.parse(
    json
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&"),
  );
}

/** Renders an SVG file in headless Chromium; returns the decoded screenshot. */
function screenshot(name: string, svg: string): Image {
  const file = join(dir, `${name}.svg`);
  const png = join(dir, `${name}.png`);
  writeFileSync(file, svg);
  const height = Number(/height="(\d+)"/.exec(svg)?.[1] ?? 900);
  const chromium = which("chromium") as string;
  const r = spawnSync(
    chromium,
    [
      ...CHROMIUM_FLAGS,
      `--user-data-dir=${join(dir, `profile-${name}`)}`,
      `--screenshot=${png}`,
      `--window-size=1400,${height}`,
      `file://${file}`,
    ],
    { encoding: "utf8", timeout: 90_000 },
  );
  assert.equal(r.status, 0, `chromium failed: ${r.stderr}`);
  assert.ok(existsSync(png), `no screenshot: ${r.stderr}`);
  const bytes = readFileSync(png);
  assert.ok(bytes.length > 1000, "PNG is not empty");
  return decodePng(bytes);
}

describe("network map in headless Chromium", { skip: needs("chromium") }, () => {
  test("the example map renders: full size, many colours, no red", (t) => {
    const img = screenshot("example", renderMapExample());
    assert.equal(img.width, 1400);
    const s = stats(img);
    t.diagnostic(`${img.width}x${img.height}, ${s.colours} colours, ${s.red} red pixels`);
    assert.ok(s.colours > 50, `not a blank picture (${s.colours} colours)`);
    // only the legend's overlap swatch (14 x 12 px) is red
    assert.ok(s.red < 400, `no overlap drawn (${s.red} red pixels)`);
  });

  test("an overlapping spec renders its overlaps red", (t) => {
    const map = renderSpecMap({
      cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.244.128.0/20"] },
      nodes: [{ name: "a", interfaces: [{ name: "eth0", addresses: ["10.244.3.5/24"] }] }],
    });
    assert.equal(map.valid, false);
    const s = stats(screenshot("overlap", map.svg));
    t.diagnostic(`${s.colours} colours, ${s.red} red pixels`);
    assert.ok(s.colours > 50, `${s.colours} colours`);
    assert.ok(s.red > 5000, `overlaps are red on screen (${s.red} red pixels)`);
  });

  test("every text lies inside the picture; a long problem list wraps inside its box", (t) => {
    const many = renderSpecMap({
      cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.244.128.0/20"], maxPodsPerNode: 300 },
      nodes: Array.from({ length: 30 }, (_, i) => ({
        name: `Node_${i}-${"x".repeat(70)}`,
        interfaces: [{ name: `eth0 $(reboot ${i})`, addresses: ["192.168.1.31/24"] }],
        podCidrs: ["10.245.7.0/23"],
      })),
      calico: { ipPools: [{ cidr: "10.244.0.0/18", blockSize: 28, ipipMode: "CrossSubnet" }] },
    });
    assert.equal(many.valid, false);
    for (const [name, svg] of [
      ["problems", many.svg],
      ["calico", renderCalicoMapExample()],
      ["example-texts", renderMapExample()],
    ] as const) {
      const m = measureTexts(name, svg);
      t.diagnostic(`${name}: ${m.texts} texts, ${m.problemLines} problem lines, ${m.outside.length} outside`);
      assert.ok(m.texts > 20, `${name}: texts laid out (${m.texts})`);
      assert.deepEqual(m.outside, [], `${name}: texts outside the picture or the problem box`);
      if (name === "problems") assert.ok(m.problemLines > 60, `the problems are listed (${m.problemLines} lines)`);
    }
  });
});
