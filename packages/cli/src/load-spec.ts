/**
 * Reads a spec file (YAML or JSON). Unreadable or unparsable files are usage
 * errors (exit 2), reported without a stack trace.
 */
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Parses YAML (JSON is YAML) from a file; one document only. */
export function loadSpecFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read ${file}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (code ?? String(e))}`,
    );
  }
  return parseSpecText(text, file);
}

export function parseSpecText(text: string, file: string): unknown {
  const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true });
  if (!Array.isArray(docs)) throw new UsageError(`${file}: not a YAML document`);
  if (docs.length !== 1) throw new UsageError(`${file}: expected exactly one YAML document, found ${docs.length}`);
  const doc = docs[0];
  if (!doc) throw new UsageError(`${file}: empty`);
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const pos = err?.linePos?.[0];
    throw new UsageError(
      `${file}${pos ? `:${pos.line}:${pos.col}` : ""}: ${err?.code === "DUPLICATE_KEY" ? "duplicate key" : "YAML syntax error"}: ${err?.message.split("\n")[0]}`,
    );
  }
  const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
  try {
    JSON.stringify(value);
  } catch {
    throw new UsageError(`${file}: a YAML alias refers to itself (a cycle); write the value out instead`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new UsageError(`${file}: the spec must be a mapping with at least "cluster:" (see README, "Spec format")`);
  }
  return value;
}
