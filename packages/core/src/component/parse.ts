/** The safeParse → problems step every section goes through, written once. */

import type { z } from "zod";
import type { Problems } from "../shared/problems.js";
import { PARSE_OPTIONS, zodProblems } from "../shared/zod-problems.js";

/** Parses `input` with `schema`; on failure every issue goes to `p` with paths under `base`, and the result is undefined. */
export function parseSection<T>(schema: z.ZodType<T>, input: unknown, base: readonly string[], p: Problems): T | undefined {
  const parsed = schema.safeParse(input, PARSE_OPTIONS);
  if (parsed.success) return parsed.data;
  p.errors.push(...zodProblems(parsed.error.issues, input, schema, base));
  return undefined;
}
