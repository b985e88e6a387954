/**
 * Turns schema-validation issues (zod) into podnet problems: a path, a stable
 * code and a message that says what was wrong and how to fix it, including a
 * "did you mean" for misspelt keys.
 */
import { closest, distance } from "fastest-levenshtein";
import type { z } from "zod";
import { joinPath, type Problem, show } from "./problems.js";

/** Best match for a misspelt word among the allowed ones, if it is close enough. */
export function didYouMean(word: string, allowed: readonly string[]): string | undefined {
  if (allowed.length === 0) return undefined;
  const best = closest(word, [...allowed]);
  const limit = Math.max(2, Math.floor(best.length / 3));
  return distance(word.toLowerCase(), best.toLowerCase()) <= limit ? best : undefined;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "number" && !Number.isInteger(value)) return `the number ${value}`;
  return `${typeof value} ${show(value)}`;
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

/** Keys an object schema accepts, for "did you mean". */
function knownKeys(schema: z.ZodType | undefined, root: unknown, path: ReadonlyArray<PropertyKey>): string[] {
  // Walk the schema along the path to find the object schema whose keys were checked.
  let cur: unknown = schema;
  for (const seg of path) {
    cur = unwrap(cur);
    const def = (cur as { def?: { type?: string; shape?: Record<string, unknown>; element?: unknown } })?.def;
    if (def?.type === "object" && def.shape && typeof seg === "string") cur = def.shape[seg];
    else if (def?.type === "array" && typeof seg === "number") cur = def.element;
    else if (def?.type === "record") cur = (def as { valueType?: unknown }).valueType;
    else return [];
  }
  void root;
  const def = (unwrap(cur) as { def?: { type?: string; shape?: Record<string, unknown> } })?.def;
  return def?.type === "object" && def.shape ? Object.keys(def.shape) : [];
}

/** A value of the wrong type, or a missing one: the rule, and what to write instead where podnet can tell. */
function invalidTypeMessage(where: string, expected: string, value: unknown, requiredKeys: () => string): string {
  if (value === undefined) return `${where}: is required (${expected})${requiredKeys()}`;
  const listHint =
    expected === "array" && (typeof value === "string" || typeof value === "number") ? `; write it as a list: [${show(value)}]` : "";
  return `${where}: expected ${expected === "int" ? "an integer" : expected}, got ${typeName(value)}${listHint}`;
}

/** For a missing object: which of its keys must be given, so the message says what to write. */
function requiredKeysHint(schema: z.ZodType | undefined, root: unknown, path: ReadonlyArray<PropertyKey>): string {
  const keys = knownKeys(schema, root, path);
  if (keys.length === 0) return "";
  let cur: unknown = schema;
  for (const seg of path) {
    const def = (unwrap(cur) as { def?: { type?: string; shape?: Record<string, unknown>; element?: unknown } })?.def;
    if (def?.type === "object" && def.shape && typeof seg === "string") cur = def.shape[seg];
    else if (def?.type === "array" && typeof seg === "number") cur = def.element;
    else return "";
  }
  const shape = (unwrap(cur) as { def?: { shape?: Record<string, { def?: { type?: string } }> } })?.def?.shape ?? {};
  const optional = (k: string) => ["optional", "default", "prefault"].includes(shape[k]?.def?.type ?? "");
  const required = keys.filter((k) => !optional(k));
  const rest = keys.filter(optional);
  if (required.length === 0) return "";
  return `; give an object with ${required.map((k) => `"${k}"`).join(", ")}${rest.length > 0 ? ` (optional: ${rest.map((k) => `"${k}"`).join(", ")})` : ""}`;
}

function unwrap(schema: unknown): unknown {
  let cur = schema as { def?: { type?: string; innerType?: unknown; in?: unknown } } | undefined;
  for (let i = 0; i < 10 && cur?.def; i++) {
    const t = cur.def.type;
    if (t === "optional" || t === "default" || t === "nullable" || t === "readonly" || t === "prefault" || t === "catch") {
      cur = cur.def.innerType as typeof cur;
    } else if (t === "pipe") {
      cur = cur.def.in as typeof cur;
    } else break;
  }
  return cur;
}

/** Converts zod issues to problems, with paths prefixed by `base`. */
export function zodProblems(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  schema?: z.ZodType,
  base: ReadonlyArray<string | number> = [],
): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) {
    const rel = issue.path as Array<string | number>;
    const segs = [...base, ...rel];
    const value = valueAt(input, rel);
    if (issue.code === "unrecognized_keys") {
      const allowed = knownKeys(schema, input, rel);
      for (const key of issue.keys) {
        const path = joinPath([...segs, key === "" ? '""' : key]);
        const guess = didYouMean(key, allowed);
        const hint = guess ? `did you mean "${guess}"?` : `known keys: ${allowed.map((k) => `"${k}"`).join(", ")}`;
        out.push({ path, code: "spec.unknown-key", message: `${path}: unknown key "${key}"; ${hint}` });
      }
      continue;
    }
    if (issue.code === "invalid_union" && Array.isArray((issue as { errors?: unknown }).errors)) {
      // Report the branch that got furthest: the one with the fewest issues.
      const branches = (issue as unknown as { errors: z.core.$ZodIssue[][] }).errors;
      const best = [...branches].sort((a, b) => a.length - b.length)[0];
      if (best && best.length > 0) {
        out.push(
          ...zodProblems(
            best.map((i) => ({ ...i, path: [...rel, ...i.path] })),
            input,
            schema,
            base,
          ),
        );
        continue;
      }
    }
    const path = joinPath(segs);
    const where = path === "" ? "spec" : path;
    let message: string;
    switch (issue.code) {
      case "invalid_type":
        message = invalidTypeMessage(where, issue.expected, value, () => requiredKeysHint(schema, input, rel));
        break;
      case "invalid_value":
        message = `${where}: ${show(value)} is not one of ${issue.values.map((v) => show(v)).join(", ")}${
          typeof value === "string" ? ((g) => (g ? `; did you mean ${show(g)}?` : ""))(didYouMean(value, issue.values.map(String))) : ""
        }`;
        break;
      case "too_small":
        message =
          issue.origin === "array"
            ? `${where}: needs at least ${issue.minimum} entr${issue.minimum === 1 ? "y" : "ies"}`
            : issue.origin === "string"
              ? `${where}: must not be empty`
              : `${where}: ${show(value)} is below the minimum ${issue.minimum}`;
        break;
      case "too_big":
        message =
          issue.origin === "array"
            ? `${where}: has ${Array.isArray(value) ? value.length : "too many"} entries; at most ${issue.maximum} allowed`
            : issue.origin === "string"
              ? `${where}: is longer than ${issue.maximum} characters`
              : `${where}: ${show(value)} is above the maximum ${issue.maximum}`;
        break;
      case "invalid_format":
        message = `${where}: ${show(value)} ${issue.message}`;
        break;
      default:
        message = `${where}: ${issue.message}`;
    }
    out.push({ path, code: `spec.${issue.code.replaceAll("_", "-")}`, message });
  }
  return out;
}

/**
 * Options for every `safeParse` in podnet: keep the input on each issue (for
 * messages) and never let zod format a message from the value itself, which
 * throws on objects that cannot become strings (e.g. null-prototype objects).
 * zodProblems writes the user-facing messages.
 */
export const PARSE_OPTIONS = {
  reportInput: true,
  error: (issue: { code?: string; format?: string }) =>
    issue.code === "invalid_format" ? `is not a valid ${issue.format ?? "value"}` : "is invalid",
} as const;
