/** JSON with a trailing newline; key order is the producer's (deterministic). */
export function stableJson(value: unknown): string {
  return `${JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`;
}
