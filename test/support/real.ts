/**
 * Gate for tests that need a real tool (etcd, sshd, shellcheck, …).
 *
 * On a developer laptop a missing tool skips the suite with a clear message;
 * in CI (`PODNET_REQUIRE_REAL=1`) a missing tool fails instead, so a green run
 * always means the real component was exercised.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const REQUIRE_REAL = process.env.PODNET_REQUIRE_REAL === "1";

/** Absolute path of a program on PATH (or an absolute path that exists), else undefined. */
export function which(program: string): string | undefined {
  if (program.startsWith("/")) return existsSync(program) ? program : undefined;
  for (const dir of (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/sbin"])) {
    const candidate = join(dir, program);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** True when this process may create network namespaces (root with CAP_NET_ADMIN). */
export function canUseNetns(): boolean {
  if (process.getuid?.() !== 0 || !which("ip")) return false;
  try {
    execFileSync("ip", ["netns", "list"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns `false` (run the test) when every requirement is met, otherwise a
 * skip reason for `node:test`'s `skip` option. With PODNET_REQUIRE_REAL=1 it
 * throws instead, failing the suite.
 */
export function needs(...requirements: Array<string | { ok: boolean; what: string }>): false | string {
  const missing: string[] = [];
  for (const r of requirements) {
    if (typeof r === "string") {
      if (!which(r)) missing.push(`program "${r}"`);
    } else if (!r.ok) {
      missing.push(r.what);
    }
  }
  if (missing.length === 0) return false;
  const reason = `needs ${missing.join(", ")} (install the Debian packages listed in .ci/run)`;
  if (REQUIRE_REAL) throw new Error(`PODNET_REQUIRE_REAL=1 but this suite ${reason}`);
  return reason;
}

/** The shared reference folder (`../shared/reference` beside the repository), or undefined. */
export function sharedReference(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const dir = join(here, "..", "..", "..", "shared", "reference");
  return existsSync(dir) ? dir : undefined;
}

/**
 * Skip reason when ../shared/reference is absent: upstream manifests are not
 * part of the repository. CI, which has them beside the clone, sets
 * PODNET_REQUIRE_REFERENCE=1 so that their absence fails instead.
 */
export function needsReference(): false | string {
  if (sharedReference()) return false;
  if (process.env.PODNET_REQUIRE_REFERENCE === "1") {
    throw new Error("PODNET_REQUIRE_REFERENCE=1 but ../shared/reference (the upstream manifests) is absent");
  }
  return "../shared/reference is absent (upstream manifests are not part of the repository)";
}
