/** The one sha256 helper: script triggers, file checksums, pinned manifests. */
import { createHash } from "node:crypto";

/** Hex sha256 of a UTF-8 string. */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
