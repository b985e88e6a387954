/**
 * The architecture rules, checked on the sources alone (parsed with the TypeScript
 * compiler, never type-checked):
 * - no import cycle in any package's src (type-only imports count);
 * - in packages/core/src every file but the entry points (index.ts, internal/index.ts) sits in a domain folder, and a folder
 *   imports only from folders of a lower layer (CORE_LAYERS), never from one of its own
 *   layer or above; inside a folder, SUB_LAYERS orders its parts the same way;
 * - no source file over MAX_FILE_LINES lines (a file of re-exports only, such as an index.ts
 *   that names a folder's exports, is not code and has no limit), no function over
 *   MAX_FUNCTION_LINES lines.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

export const MAX_FILE_LINES = 400;
export const MAX_FUNCTION_LINES = 80;

/** Layer of each folder of packages/core/src: a folder may import only from a lower number. */
export const CORE_LAYERS: Readonly<Record<string, number>> = {
  shared: 0,
  plan: 1,
  host: 1,
  // The component contract names plan and host types, so it sits just above them.
  component: 1.5,
  prep: 2,
  flannel: 2,
  calico: 2,
  spec: 3,
  doctor: 4,
  diff: 4,
  map: 4,
};

/** The package's entry points (`.` and `./internal`): above every layer, they may import any folder. */
export const CORE_ENTRY_POINTS: readonly string[] = ["index.ts", "internal/index.ts"];

/**
 * Layers inside a folder, keyed by subfolder or file name ("" is every other file at its top).
 * flannel: the files shared by both modes at the top; the two modes above them, never using
 * each other; network.ts, which picks the mode, above both; doctor.ts (plans either mode for
 * doctor) above it, and component.ts (the NetworkComponent, naming all of them) on top.
 */
export const SUB_LAYERS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  flannel: { "": 0, daemonset: 1, systemd: 1, "network.ts": 2, "doctor.ts": 3, "component.ts": 4 },
};

export interface ArchitectureReport {
  readonly cycles: string[];
  readonly layers: string[];
  readonly fileSizes: string[];
  readonly functionSizes: string[];
}

interface Edge {
  readonly to: string;
  readonly line: number;
}

const posix = (p: string) => p.split(sep).join("/");

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

function resolveSpecifier(from: string, spec: string, known: ReadonlySet<string>): string | undefined {
  if (!spec.startsWith("./") && !spec.startsWith("../")) return undefined;
  const abs = resolve(dirname(from), spec);
  for (const c of [abs.replace(/\.js$/, ".ts"), abs, `${abs}.ts`, join(abs, "index.ts")]) if (known.has(c)) return c;
  return undefined;
}

/** Every module specifier of a file: imports, re-exports, import(), import("x").T, import x = require(). */
function specifiers(sf: ts.SourceFile): { spec: string; line: number }[] {
  const out: { spec: string; line: number }[] = [];
  const add = (n: ts.Node | undefined) => {
    if (n && ts.isStringLiteralLike(n)) out.push({ spec: n.text, line: sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1 });
  };
  const visit = (n: ts.Node) => {
    if (ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) add(n.moduleSpecifier);
    else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) add(n.arguments[0]);
    else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument)) add(n.argument.literal);
    else if (ts.isExternalModuleReference(n)) add(n.expression);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

function functionName(n: ts.Node, sf: ts.SourceFile): string | undefined {
  if (ts.isFunctionDeclaration(n)) return n.name?.text ?? "default";
  if (ts.isConstructorDeclaration(n)) return "constructor";
  if (ts.isMethodDeclaration(n) || ts.isGetAccessorDeclaration(n) || ts.isSetAccessorDeclaration(n)) return n.name.getText(sf);
  if (ts.isArrowFunction(n) || ts.isFunctionExpression(n)) {
    const p = n.parent;
    if (ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p)) return p.name.getText(sf);
    if (ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.EqualsToken) return p.left.getText(sf);
    if (ts.isFunctionExpression(n) && n.name) return n.name.text;
  }
  return undefined;
}

/** Each named function over the limit: `file:line name (N lines)`. */
function longFunctions(sf: ts.SourceFile, file: string): string[] {
  const out: string[] = [];
  const visit = (n: ts.Node) => {
    const name = ts.isFunctionLike(n) && "body" in n && n.body ? functionName(n, sf) : undefined;
    if (name !== undefined) {
      const start = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line;
      const lines = sf.getLineAndCharacterOfPosition(n.end).line - start + 1;
      if (lines > MAX_FUNCTION_LINES) out.push(`${file}:${start + 1} ${name} (${lines} lines)`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** Strongly connected components with more than one file (or a file importing itself), as cycles. */
function cycles(graph: ReadonlyMap<string, readonly Edge[]>, show: (f: string) => string): string[] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const sccs: string[][] = [];
  const strong = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const { to } of graph.get(v) ?? []) {
      if (!idx.has(to)) {
        strong(to);
        low.set(v, Math.min(low.get(v)!, low.get(to)!));
      } else if (on.has(to)) low.set(v, Math.min(low.get(v)!, idx.get(to)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).some((e) => e.to === v)) sccs.push(scc.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) strong(v);
  return sccs
    .sort((a, b) => (a[0]! < b[0]! ? -1 : 1))
    .map((scc) => {
      const members = new Set(scc);
      const startAt = scc[0]!;
      // shortest way back to the first file, inside the component
      const prev = new Map<string, string>();
      const queue = [startAt];
      let found = false;
      while (queue.length > 0 && !found) {
        const v = queue.shift()!;
        for (const { to } of graph.get(v) ?? []) {
          if (!members.has(to)) continue;
          if (to === startAt) {
            prev.set(startAt, v);
            found = true;
            break;
          }
          if (!prev.has(to)) {
            prev.set(to, v);
            queue.push(to);
          }
        }
      }
      const path = [startAt];
      for (let v = prev.get(startAt)!; v !== startAt; v = prev.get(v)!) path.unshift(v);
      path.unshift(startAt);
      const all = scc.length > path.length - 1 ? ` (${scc.length} files in this cycle group: ${scc.map(show).join(", ")})` : "";
      return `cycle: ${path.map(show).join(" -> ")}${all}`;
    });
}

interface Layer {
  readonly top: string;
  readonly sub: string;
}

function layerOf(rel: string): Layer | undefined {
  const parts = rel.split("/");
  if (parts.length === 1) return undefined;
  const top = parts[0]!;
  const subs = SUB_LAYERS[top];
  const key = parts[1]!; // the subfolder, or the file at the folder's top
  return { top, sub: subs && key in subs ? key : "" };
}

/** An import that breaks the layer order, as a message; undefined when allowed. */
function layerProblem(fromRel: string, toRel: string): string | undefined {
  if (CORE_ENTRY_POINTS.includes(fromRel)) return undefined;
  const a = layerOf(fromRel);
  const b = layerOf(toRel);
  if (!a || !b) return undefined; // files outside a folder are reported on their own
  // a folder's index.ts names what its folder exports, subfolders included
  if (fromRel.endsWith("/index.ts") && toRel.startsWith(`${dirname(fromRel)}/`)) return undefined;
  const ra = CORE_LAYERS[a.top];
  const rb = CORE_LAYERS[b.top];
  if (ra === undefined || rb === undefined) return undefined;
  if (a.top !== b.top) {
    if (rb < ra) return undefined;
    return `${rb > ra ? "upward" : "sideways"} import (${a.top} -> ${b.top})`;
  }
  const subs = SUB_LAYERS[a.top];
  if (!subs || a.sub === b.sub) return undefined;
  const sa = subs[a.sub]!;
  const sb = subs[b.sub]!;
  if (sb < sa) return undefined;
  const name = (l: Layer) => (l.sub === "" ? `${l.top}/` : `${l.top}/${l.sub}`);
  return `${sb > sa ? "upward" : "sideways"} import (${name(a)} -> ${name(b)})`;
}

/** Checks every package under `<root>/packages/<name>/src`. */
export function checkArchitecture(root: string): ArchitectureReport {
  const report: ArchitectureReport = { cycles: [], layers: [], fileSizes: [], functionSizes: [] };
  const packages = join(root, "packages");
  const coreSrc = join(packages, "core", "src");
  for (const pkg of readdirSync(packages).sort()) {
    const src = join(packages, pkg, "src");
    if (!existsSync(src)) continue;
    const files = tsFiles(src);
    const known = new Set(files);
    const graph = new Map<string, Edge[]>();
    const show = (f: string) => posix(relative(root, f));
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
      const lines = sf.getLineAndCharacterOfPosition(text.trimEnd().length).line + 1;
      const reExportsOnly = sf.statements.every((s) => ts.isExportDeclaration(s) && s.moduleSpecifier !== undefined);
      if (lines > MAX_FILE_LINES && !reExportsOnly) report.fileSizes.push(`${show(file)}:1 (${lines} lines)`);
      report.functionSizes.push(...longFunctions(sf, show(file)));
      const edges: Edge[] = [];
      for (const { spec, line } of specifiers(sf)) {
        const to = resolveSpecifier(file, spec, known);
        if (to) edges.push({ to, line });
      }
      graph.set(file, edges);
      if (src !== coreSrc) continue;
      const rel = posix(relative(coreSrc, file));
      const layer = layerOf(rel);
      if (CORE_ENTRY_POINTS.includes(rel)) {
        // named by package.json, not a layer
      } else if (!layer) report.layers.push(`${show(file)}:1 is outside a domain folder`);
      else if (CORE_LAYERS[layer.top] === undefined) report.layers.push(`${show(file)}:1 folder ${layer.top}/ has no layer`);
      for (const e of edges) {
        const problem = layerProblem(rel, posix(relative(coreSrc, e.to)));
        if (problem) report.layers.push(`${show(file)}:${e.line} -> ${show(e.to)}: ${problem}`);
      }
    }
    report.cycles.push(...cycles(graph, show));
  }
  return report;
}
