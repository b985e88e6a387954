/** The safeParse → problems step every section goes through, written once. */

import type { z } from "zod";
import type { Problems } from "../shared/problems.js";
import { PARSE_OPTIONS, zodProblems } from "../shared/zod-problems.js";

/**
 * Parses `input` with `schema`; on failure every issue goes to `p` with paths under `base`,
 * and the result is undefined. `options`: zod's parse options (@default PARSE_OPTIONS).
 */
export function parseSection<T>(
  schema: z.ZodType<T>,
  input: unknown,
  base: readonly string[],
  p: Problems,
  options: z.core.ParseContext<z.core.$ZodIssue> = PARSE_OPTIONS,
): T | undefined {
  const parsed = schema.safeParse(input, options);
  if (parsed.success) return parsed.data;
  p.errors.push(...zodProblems(parsed.error.issues, input, schema, base));
  return undefined;
}
