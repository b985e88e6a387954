/**
 * Reads a spec file (YAML or JSON). Unreadable, oversized or unparsable files, and hostile
 * YAML (alias bombs, deep nesting, prototype keys), are usage errors (exit 2), reported
 * with the file, the line and the limit, without a stack trace.
 *
 * Specs are always read as YAML 1.2 with the core schema, also under a `%YAML 1.1`
 * directive: `0110` stays 110, `22:22` stays a string, `yes` stays a string, `<<` is a
 * plain key. Tags other than the core ones are ignored with a warning.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import {
  Composer,
  CST,
  type Document,
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  type Node,
  Parser,
} from "yaml";
import { InputFileError, InputKind, readInputText } from "./input-limits.js";

/** A mistake in how the CLI was called (a bad flag or an unreadable file): exit code 2, the message and no stack trace. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Deepest nesting of mappings and lists a spec may have (a spec needs 6: nodes[].interfaces[].addresses[]). */
export const SPEC_MAX_DEPTH = 64;
/** Most aliases (`*name`) a spec may use; also yaml's limit on what one alias may expand to. */
export const SPEC_MAX_ALIASES = 100;
/** Most values a spec may have once its aliases are expanded (a 10,000-node spec has about 250,000). */
export const SPEC_MAX_EXPANDED_VALUES = 1_000_000;
/** Most scalars a spec may have (twice a 10,000-node spec, which has about 250,000); the parser needs a few hundred bytes of memory for each. */
export const SPEC_MAX_SCALARS = 500_000;
/** Keys that would reach an object's prototype in the code that reads the spec. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);
/** Tags of the YAML 1.2 core schema; any other tag is ignored with a warning. */
const CORE_TAGS = new Set(["str", "int", "float", "bool", "null", "map", "seq"].map((t) => `tag:yaml.org,2002:${t}`));

const warningSink = new AsyncLocalStorage<(message: string) => void>();

/** Runs `fn` with spec warnings (unknown tags, `%YAML 1.1`) going to `warn`; without it they are dropped. */
export function withSpecWarnings<T>(warn: (message: string) => void, fn: () => T): T {
  return warningSink.run(warn, fn);
}

/** Parses YAML (JSON is YAML) from a file; one document only. */
export function loadSpecFile(file: string): unknown {
  let text: string;
  try {
    text = readInputText(file, InputKind.SPEC);
  } catch (e) {
    if (e instanceof InputFileError) throw new UsageError(e.message);
    throw e;
  }
  return parseSpecText(text, file);
}

/** Where a source offset is, as `file:line:col`. */
function at(file: string, lines: LineCounter, offset: number | undefined): string {
  if (offset === undefined) return file;
  const pos = lines.linePos(offset);
  return `${file}:${pos.line}:${pos.col}`;
}

function isCollectionToken(t: CST.Token): boolean {
  return t.type === "block-map" || t.type === "block-seq" || t.type === "flow-collection";
}

/**
 * The CST of `text`, refusing nesting deeper than SPEC_MAX_DEPTH while it is built: the
 * parser keeps the open collections on a stack, so the check costs nothing and stops a
 * 10,000-deep `[[[[` before the (recursive) composer ever sees it.
 */
function cstTokens(text: string, file: string, lines: LineCounter): CST.Token[] {
  const parser = new Parser(lines.addNewLine);
  lines.addNewLine(0);
  const tokens: CST.Token[] = [];
  const deep = () =>
    new UsageError(
      `${at(file, lines, parser.offset)}: nested deeper than ${SPEC_MAX_DEPTH} levels of mappings and lists (the limit for a spec); a spec needs fewer than 10, so check the file`,
    );
  let scalars = 0;
  for (const lexeme of new Lexer().lex(text)) {
    if (lexeme[0] === CST.SCALAR && ++scalars > SPEC_MAX_SCALARS)
      throw new UsageError(
        `${at(file, lines, parser.offset)}: more than ${SPEC_MAX_SCALARS.toLocaleString("en-US")} values (the limit for a spec; a 10,000-node spec has about 250,000); check the file`,
      );
    for (const t of parser.next(lexeme)) tokens.push(t);
    if (parser.stack.length > SPEC_MAX_DEPTH) {
      if (parser.stack.filter(isCollectionToken).length > SPEC_MAX_DEPTH || parser.stack.length > 4 * SPEC_MAX_DEPTH) throw deep();
    }
  }
  for (const t of parser.end()) tokens.push(t);
  return tokens;
}

/** Checks the document tree (depth already bounded): keys, tags, anchors and aliases. */
function checkTree(doc: Document.Parsed, file: string, lines: LineCounter, warn: (m: string) => void): { aliases: number } {
  const anchors = new Map<string, unknown>();
  const open = new Set<unknown>();
  const bad: string[] = [];
  let aliases = 0;
  const pos = (n: { range?: readonly number[] | null } | null | undefined) => at(file, lines, n?.range?.[0]);
  const walk = (node: unknown, path: string): void => {
    if (node === null || node === undefined) return;
    if (!isAlias(node) && !isCollection(node) && !isScalar(node)) return;
    if (isAlias(node)) {
      aliases++;
      const target = anchors.get(node.source);
      if (target === undefined)
        bad.push(
          `${pos(node)}: ${path || "(top)"}: alias *${node.source} refers to no anchor &${node.source} set before it; define the anchor first or write the value out`,
        );
      else if (open.has(target))
        bad.push(`${pos(node)}: ${path || "(top)"}: alias *${node.source} is inside the value it refers to (a cycle); write the value out`);
      return;
    }
    const n = node as Node;
    if (n.tag !== undefined && !CORE_TAGS.has(n.tag))
      warn(`${pos(n)}: ${path || "(top)"}: tag ${n.tag} is not a YAML 1.2 core tag and is ignored; the value is read as plain YAML`);
    if (n.anchor) anchors.set(n.anchor, n);
    open.add(n);
    if (isMap(n)) {
      for (const pair of n.items) {
        if (!isPair(pair)) continue;
        const key = pair.key;
        if (key !== null && !isScalar(key)) {
          bad.push(
            `${pos(key as Node)}: ${path || "(top)"}: a key must be a plain string, not ${isAlias(key) ? "an alias" : "a mapping or list"}; write the key as a string`,
          );
          continue;
        }
        if (key?.anchor) anchors.set(key.anchor, key);
        const name = key === null ? "" : String(key.value);
        const sub = path ? `${path}.${name}` : name;
        if (FORBIDDEN_KEYS.has(name)) {
          bad.push(
            `${pos(key)}: ${sub}: the key "${name}" is not allowed in a spec (it would reach JavaScript object prototypes); remove it`,
          );
          continue;
        }
        walk(pair.value, sub);
      }
    } else if (isSeq(n)) {
      n.items.forEach((item, i) => {
        walk(item, `${path}[${i}]`);
      });
    }
    open.delete(n);
  };
  walk(doc.contents, "");
  if (aliases > SPEC_MAX_ALIASES)
    bad.push(`${file}: ${aliases} aliases (*name); a spec may use at most ${SPEC_MAX_ALIASES}; write the values out`);
  if (bad.length > 0) throw new UsageError(bad.slice(0, 20).join("\n") + (bad.length > 20 ? `\n... and ${bad.length - 20} more` : ""));
  return { aliases };
}

/**
 * The depth and size of the plain value after toJS: aliases may nest one structure inside
 * another (or inside itself, a cycle), which the source-level depth check cannot see.
 * Iterative, so a deep value cannot overflow the stack here.
 */
function checkValue(value: unknown, file: string): void {
  const onPath = new Set<object>();
  const stack: Array<{ v: object; depth: number; exit?: boolean }> = [];
  if (value !== null && typeof value === "object") stack.push({ v: value, depth: 1 });
  let count = 0;
  while (stack.length > 0) {
    const top = stack.pop() as { v: object; depth: number; exit?: boolean };
    if (top.exit) {
      onPath.delete(top.v);
      continue;
    }
    if (onPath.has(top.v))
      throw new UsageError(`${file}: a YAML alias refers to a mapping or list that contains it (a cycle); write the value out instead`);
    if (top.depth > SPEC_MAX_DEPTH)
      throw new UsageError(
        `${file}: with its aliases expanded, the spec is nested deeper than ${SPEC_MAX_DEPTH} levels (the limit for a spec); write the values out`,
      );
    onPath.add(top.v);
    stack.push({ v: top.v, depth: top.depth, exit: true });
    for (const child of Object.values(top.v)) {
      if (++count > SPEC_MAX_EXPANDED_VALUES)
        throw new UsageError(
          `${file}: with its aliases expanded, the spec has more than ${SPEC_MAX_EXPANDED_VALUES.toLocaleString("en-US")} values (the limit for a spec); use fewer aliases`,
        );
      if (child !== null && typeof child === "object") stack.push({ v: child, depth: top.depth + 1 });
    }
  }
}

/**
 * The spec when `text` is a JSON object the YAML path below would read to the same value
 * without a problem; undefined otherwise (not JSON, or near a limit, or with a duplicate or
 * forbidden key), and the YAML path then reads it and reports what it finds, by line.
 * JSON.parse is about a hundred times faster than the YAML composer on a large spec.
 */
function parseJsonSpec(text: string): Record<string, unknown> | undefined {
  let i = 0;
  while (i < text.length && (text[i] === " " || text[i] === "\n" || text[i] === "\r" || text[i] === "\t")) i++;
  if (text[i] !== "{") return undefined;
  // one scan: the nesting depth and the number of keys (in JSON, every ":" outside a string follows a key)
  let depth = 0;
  let keys = 0;
  let inString = false;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x3a) keys++;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth >= SPEC_MAX_DEPTH) return undefined;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  // every key and value is one scalar on the YAML path: stay well inside its limit, and find duplicates and forbidden keys
  let scalars = 0;
  let parsedKeys = 0;
  const stack: object[] = [value];
  while (stack.length > 0) {
    const v = stack.pop() as object;
    const isList = Array.isArray(v);
    for (const [k, child] of Object.entries(v)) {
      if (!isList) {
        parsedKeys++;
        scalars++;
        if (FORBIDDEN_KEYS.has(k)) return undefined;
      }
      if (child !== null && typeof child === "object") stack.push(child);
      else scalars++;
    }
    if (scalars > SPEC_MAX_SCALARS) return undefined;
  }
  return parsedKeys === keys ? (value as Record<string, unknown>) : undefined;
}

/** Parses a spec's text (YAML or JSON) under the alias, depth and size limits; a syntax problem is a UsageError naming the line. */
export function parseSpecText(text: string, file: string): unknown {
  const json = parseJsonSpec(text);
  if (json !== undefined) return json;
  const warn = warningSink.getStore() ?? (() => {});
  const lines = new LineCounter();
  const tokens = cstTokens(text, file, lines);
  const composer = new Composer({
    // YAML 1.2 core schema whatever the %YAML directive says: 1.1 would read 0110 as 72
    // and 22:22 as 1342. resolveKnownTags off: !!binary, !!timestamp, !!set are not spec values.
    version: "1.2",
    schema: "core",
    merge: false,
    resolveKnownTags: false,
    uniqueKeys: true,
    logLevel: "error",
  });
  const docs = [...composer.compose(tokens), ...composer.end()];
  if (docs.length !== 1) {
    throw new UsageError(
      docs.length === 0
        ? `${file}: empty (no YAML document); a spec starts with "cluster:"`
        : `${file}: expected exactly one YAML document, found ${docs.length}; keep one spec per file (no "---" between specs)`,
    );
  }
  const doc = docs[0] as Document.Parsed;
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    throw new UsageError(
      `${at(file, lines, err?.pos[0])}: ${err?.code === "DUPLICATE_KEY" ? "duplicate key" : "YAML syntax error"}: ${err?.message.split("\n")[0]}`,
    );
  }
  if (doc.directives.yaml.explicit && doc.directives.yaml.version !== "1.2")
    warn(
      `${file}: %YAML ${doc.directives.yaml.version}: podnet reads every spec as YAML 1.2 (core schema): 0110 is 110, 22:22 and yes/no are strings, << is a plain key`,
    );
  for (const w of doc.warnings) {
    if (w.code !== "TAG_RESOLVE_FAILED") warn(`${at(file, lines, w.pos[0])}: ${w.message.split("\n")[0]}`);
  }
  const { aliases } = checkTree(doc, file, lines, warn);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: SPEC_MAX_ALIASES }) as unknown;
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
    throw new UsageError(
      /Excessive alias/.test(e.message)
        ? `${file}: its aliases expand to more than ${SPEC_MAX_ALIASES} copies (the limit for a spec; an alias bomb?); write the values out`
        : `${file}: ${e.message}`,
    );
  }
  if (aliases > 0) checkValue(value, file);
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new UsageError(`${file}: the spec must be a mapping with at least "cluster:" (see README, "Spec format")`);
  }
  return value;
}
