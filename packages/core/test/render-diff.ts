/**
 * A structural diff of everything a component renders (every manifest
 * object, every file, host requirements, the plan.json summary), for the
 * option-matrix tests: render the defaults, render one option, and list each
 * leaf that differs.
 *
 * The diff goes inside embedded JSON (net-conf.json, cni-conf.json, Calico's
 * cni_network_config), keys lists of named things (env, containers, volumes,
 * firewall openings) by name instead of position, and compares lists of plain
 * values (args, command, kernel modules) whole, since their order matters.
 * Text files are compared as multisets of lines; YAML files as objects.
 */
import { parseAllDocuments } from "yaml";
import type { ComponentArtifacts, K8sObject } from "../src/index.js";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
/** Marks a leaf the option render no longer has. */
export const GONE = "<gone>";
/** Changed leaves: path -> the option render's value (GONE when removed). */
export type RenderDiff = Record<string, Json>;

const isObj = (v: unknown): v is { [k: string]: Json } => v !== null && typeof v === "object" && !Array.isArray(v);

/** Parses a string holding a JSON object; install-cni's bare `__CNI_MTU__` placeholder is quoted first. */
function embedded(s: string): Json | undefined {
  if (!s.trimStart().startsWith("{")) return undefined;
  try {
    return JSON.parse(s.replace(/:\s*(__[A-Z_]+__)(\s*[,}\n])/g, ': "$1"$2')) as Json;
  } catch {
    return undefined;
  }
}

/** A field that names the items of a list (a repeated name gets `#2`, `#3`, ...). */
function listKey(items: readonly Json[]): string | undefined {
  if (items.length === 0 || !items.every(isObj)) return undefined;
  return ["name", "purpose", "key", "type"].find((key) => items.every((i) => typeof (i as { [k: string]: Json })[key] === "string"));
}

/** The comparable form of a value: embedded JSON parsed, named lists keyed by name, plain lists kept whole. */
function normalise(v: unknown): Json {
  if (typeof v === "string") {
    const inner = embedded(v);
    return inner === undefined ? v : normalise(inner);
  }
  if (Array.isArray(v)) {
    const items = v.map(normalise);
    const key = listKey(items);
    if (key) {
      const seen = new Map<string, number>();
      return Object.fromEntries(
        items.map((i) => {
          const name = String((i as { [k: string]: Json })[key]);
          const n = (seen.get(name) ?? 0) + 1;
          seen.set(name, n);
          return [`[${key}=${name}]${n > 1 ? `#${n}` : ""}`, i];
        }),
      );
    }
    if (items.every((i) => !isObj(i) && !Array.isArray(i))) return items;
    return Object.fromEntries(items.map((i, n) => [`[${n}]`, i]));
  }
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalise(x)]));
  return (v ?? null) as Json;
}

const objectKey = (o: K8sObject) => `${o.kind} ${o.metadata.name}`;

/** Text as a multiset of lines. */
function lines(text: string): { [line: string]: number } {
  const out: { [line: string]: number } = {};
  for (const l of text.split("\n")) out[l] = (out[l] ?? 0) + 1;
  return out;
}

/** Everything a component renders, flattened into one comparable tree. */
export function artifactTree(a: ComponentArtifacts): { [k: string]: Json } {
  const tree: { [k: string]: Json } = {};
  for (const [file, objects] of Object.entries(a.manifests ?? {})) {
    tree[`manifests/${file} order`] = objects.map(objectKey);
    for (const o of objects) tree[`${objectKey(o)}`] = normalise(o);
  }
  for (const [path, f] of Object.entries(a.files ?? {})) {
    tree[`files/${path} mode`] = f.mode;
    if (path.endsWith(".yaml")) {
      const objects = parseAllDocuments(f.content).map((d) => d.toJS() as K8sObject);
      tree[`files/${path} order`] = objects.map(objectKey);
      for (const o of objects) tree[`files/${path} ${objectKey(o)}`] = normalise(o);
    } else tree[`files/${path}`] = lines(f.content);
  }
  for (const [node, units] of Object.entries(a.nodeUnits ?? {})) tree[`nodeUnits/${node}`] = normalise(units);
  tree.hostRequirements = normalise(a.hostRequirements ?? null);
  tree.summary = normalise(a.summary ?? null);
  return tree;
}

/** An emptied named list is compared as an empty map, so each item shows as gone. */
const emptyAsMap = (v: Json | undefined, other: Json | undefined): Json | undefined =>
  Array.isArray(v) && v.length === 0 && isObj(other) ? {} : v;

function walk(x: Json | undefined, y: Json | undefined, path: string, out: RenderDiff): void {
  const a = emptyAsMap(x, y);
  const b = emptyAsMap(y, x);
  if (isObj(a) && isObj(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[k], b[k], path === "" ? k : `${path}.${k}`, out);
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out[path] = y === undefined ? GONE : (y as Json);
}

/** Every leaf where the option render differs from the default render. */
export function renderDiff(defaults: ComponentArtifacts, option: ComponentArtifacts): RenderDiff {
  const out: RenderDiff = {};
  walk(artifactTree(defaults), artifactTree(option), "", out);
  return out;
}
