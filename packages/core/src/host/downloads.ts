/**
 * Verified downloads for node scripts: a pinned URL, its sha256 checked on a temporary
 * copy, and only then an atomic replacement (the prelude's `podnet_download_file` and
 * `podnet_download_archive` do the work on the node).
 */
import { joinPath, Problems } from "../shared/problems.js";
import { checkShellValue, DOWNLOAD_URL, FILE_MODE, LABEL, SAFE_PATH, SHA256, type ShellRule, shQuote } from "../shared/shell.js";
import type { NodeCommand } from "./node-state.js";

/** A file name inside an archive (no directories). */
export const ARCHIVE_MEMBER: ShellRule = {
  code: "node.archive-member",
  pattern: /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/,
  what: "archive member",
  rule: "a plain file name of letters, digits and ._+- (no directories)",
  example: "host-local",
};

/** One binary to download and install. */
export interface DownloadFileOptions {
  /** Label printed by the scripts. */
  readonly name: string;
  /** Pinned http(s) URL. */
  readonly url: string;
  /** sha256 of the file; checked before anything is replaced. */
  readonly sha256: string;
  /** Where the binary is installed. */
  readonly dest: string;
  /** @default "0755" */
  readonly mode?: string;
}

/** A .tar.gz to download and the members to install from it. */
export interface DownloadArchiveOptions {
  /** Label printed by the scripts. */
  readonly name: string;
  /** Pinned http(s) URL of a .tar.gz. */
  readonly url: string;
  /** sha256 of the archive; checked before anything is replaced. */
  readonly sha256: string;
  /** Directory the members are installed into. */
  readonly destDir: string;
  /** Files to take from the archive's top level. */
  readonly members: readonly string[];
  /** @default "0755" */
  readonly mode?: string;
}

/** Validates download options; problems go to `p` under `base`. */
export function checkDownload(p: Problems, base: string, o: DownloadFileOptions | DownloadArchiveOptions): void {
  checkShellValue(p, joinPath([base, "name"]), o.name, LABEL);
  checkShellValue(p, joinPath([base, "url"]), o.url, DOWNLOAD_URL);
  checkShellValue(p, joinPath([base, "sha256"]), o.sha256, SHA256);
  checkShellValue(p, joinPath([base, "mode"]), o.mode ?? "0755", FILE_MODE);
  if ("dest" in o) {
    checkShellValue(p, joinPath([base, "dest"]), o.dest, SAFE_PATH);
  } else {
    checkShellValue(p, joinPath([base, "destDir"]), o.destDir, SAFE_PATH);
    if (o.members.length === 0)
      p.error(joinPath([base, "members"]), "node.archive-member", `${joinPath([base, "members"])}: name at least one file to install`);
    o.members.forEach((m, i) => {
      checkShellValue(p, joinPath([base, "members", i]), m, ARCHIVE_MEMBER);
    });
  }
}

function checked(o: DownloadFileOptions | DownloadArchiveOptions): void {
  const p = new Problems();
  checkDownload(p, "download", o);
  p.throwIfErrors();
}

/**
 * A command that downloads one binary: pinned URL, sha256 verified on a
 * temporary copy, and only then an atomic replacement of `dest` (a mismatch
 * stops the script and leaves the old binary untouched). Uninstall restores
 * the binary that was there before, or removes it.
 */
export function downloadFileCommand(o: DownloadFileOptions): NodeCommand {
  checked(o);
  return {
    name: o.name,
    create: `podnet_download_file ${shQuote(o.url)} ${shQuote(o.sha256)} ${shQuote(o.dest)} ${shQuote(o.mode ?? "0755")}`,
  };
}

/** Like downloadFileCommand for files taken from a verified .tar.gz (all members checked before any is installed). */
export function downloadArchiveCommand(o: DownloadArchiveOptions): NodeCommand {
  checked(o);
  const members = o.members.map((m) => ` ${shQuote(m)}`).join("");
  return {
    name: o.name,
    create: `podnet_download_archive ${shQuote(o.url)} ${shQuote(o.sha256)} ${shQuote(o.destDir)} ${shQuote(o.mode ?? "0755")}${members}`,
  };
}
