/** The version of the installed @podnet/cli package, read from its package.json (one folder above both src/ and dist/). */
import { readFileSync } from "node:fs";

function readVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  const version = typeof pkg === "object" && pkg !== null ? (pkg as { version?: unknown }).version : undefined;
  return typeof version === "string" ? version : "unknown";
}

/** `podnet --version` prints this. */
export const PODNET_VERSION: string = readVersion();
