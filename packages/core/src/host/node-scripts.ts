/**
 * The node layer's renderer: a NodeState becomes `install.sh` and
 * `uninstall.sh` (bash, `set -euo pipefail`), the bytes the CLI writes into
 * bundles and the Pulumi NodeRunner sends over SSH (`bash -s`, script on stdin).
 *
 * - Every value that reaches a script is validated against a strict pattern
 *   (shared/shell.ts) first and single-quoted; a bad value is a Problem and no script
 *   is rendered.
 * - File contents travel base64-encoded in quoted here-documents (the
 *   delimiter `PODNET_EOF` cannot occur in base64), with their sha256 checked
 *   after decoding.
 * - The whole script is a set of functions and the last line calls the main
 *   one with stdin at /dev/null: a script cut short in transit runs nothing,
 *   and no command can swallow the rest of a script read from stdin.
 * - Idempotent: a second install changes nothing and prints
 *   `install: nothing changed`; uninstall undoes exactly what install recorded.
 */

import { sha256Hex } from "../shared/hash.js";
import { DNS1123_LABEL } from "../shared/names.js";
import { joinPath, type Problem, Problems, show } from "../shared/problems.js";
import {
  checkShellValue,
  DESCRIPTION,
  FILE_MODE,
  FILE_OWNER,
  LABEL,
  SAFE_PATH,
  SCOPE_NAME,
  type ShellRule,
  shQuote,
  UNIT_ID,
} from "../shared/shell.js";
import { NODE_SCRIPT_PRELUDE, PODNET_STATE_ROOT } from "./node-script-prelude.js";
import type { NodeCommand, NodeFile, NodeState, NodeUnit } from "./node-state.js";

/** The two scripts for one node. */
export interface NodeScripts {
  readonly install: string;
  readonly uninstall: string;
}

/** Scope used when a NodeState does not name one. */
export const DEFAULT_NODE_SCOPE = "default";

/** Default owner of node files. */
export const DEFAULT_FILE_OWNER = "root:root";

/**
 * How a script is run on a node: bash reads it from stdin. This is what the
 * Pulumi NodeRunner sends as the `remote.Command` command (with the script as
 * `stdin`) and what the SSH tests run; `sudo -n` is prefixed for non-root users.
 */
export function nodeScriptCommand(options: { readonly sudo?: boolean } = {}): string {
  return options.sudo ? "sudo -n bash -s" : "bash -s";
}

/** The heredoc delimiter; base64 output (A-Z a-z 0-9 + / =) can never contain `_`. */
const EOF = "PODNET_EOF";

const NODE_NAME_RULE: ShellRule = {
  code: "node.name",
  pattern: DNS1123_LABEL,
  what: "node name",
  rule: "a DNS-1123 label (lowercase letters, digits and inner dashes, at most 63 characters)",
  example: "worker-1",
};

/** Validates a NodeState for rendering; `base` prefixes every problem path. */
export function checkNodeState(state: NodeState, base = "node"): Problem[] {
  const p = new Problems();
  checkShellValue(p, joinPath([base, "node"]), state.node, NODE_NAME_RULE);
  if (state.scope !== undefined) checkShellValue(p, joinPath([base, "scope"]), state.scope, SCOPE_NAME);
  const unitIds = new Map<string, number>();
  const filePaths = new Map<string, string>();
  state.units.forEach((unit, u) => {
    const up = [base, "units", u];
    if (checkShellValue(p, joinPath([...up, "id"]), unit.id, UNIT_ID)) {
      const seen = unitIds.get(unit.id);
      if (seen !== undefined) {
        p.error(
          joinPath([...up, "id"]),
          "node.duplicate-unit",
          `${joinPath([...up, "id"])}: unit ${show(unit.id)} is already defined at ${joinPath([base, "units", seen])}; unit ids must be unique per node`,
        );
      } else unitIds.set(unit.id, u);
    }
    checkShellValue(p, joinPath([...up, "description"]), unit.description, DESCRIPTION);
    unit.files.forEach((file, f) => {
      checkFile(p, [...up, "files", f], file, filePaths);
    });
    unit.commands.forEach((command, c) => {
      checkCommand(p, [...up, "commands", c], command);
    });
    if (unit.rerunWhen !== undefined) checkSnippet(p, joinPath([...up, "rerunWhen"]), unit.rerunWhen, false);
  });
  // A file must not sit where another file needs a directory.
  const paths = [...filePaths.keys()].sort();
  for (let i = 0; i + 1 < paths.length; i++) {
    const a = paths[i] as string;
    const b = paths[i + 1] as string;
    if (b.startsWith(`${a}/`)) {
      p.error(
        filePaths.get(b) as string,
        "node.path-conflict",
        `${filePaths.get(b)}: ${show(b)} lies inside ${show(a)}, which ${filePaths.get(a)} places as a file; one path cannot be both`,
      );
    }
  }
  return p.errors;
}

function checkFile(p: Problems, fp: ReadonlyArray<string | number>, file: NodeFile, seen: Map<string, string>): void {
  const pathPath = joinPath([...fp, "path"]);
  if (checkShellValue(p, pathPath, file.path, SAFE_PATH)) {
    const other = seen.get(file.path);
    if (other !== undefined) {
      p.error(
        pathPath,
        "node.duplicate-path",
        `${pathPath}: ${show(file.path)} is already placed by ${other}; each path may be placed by one unit file only`,
      );
    } else seen.set(file.path, pathPath);
    if (file.path === PODNET_STATE_ROOT || file.path.startsWith(`${PODNET_STATE_ROOT}/`)) {
      p.error(
        pathPath,
        "node.reserved-path",
        `${pathPath}: ${show(file.path)} is inside ${PODNET_STATE_ROOT}, podnet's own state directory; choose another path`,
      );
    }
  }
  if (checkShellValue(p, joinPath([...fp, "mode"]), file.mode, FILE_MODE) && file.secret && (Number.parseInt(file.mode, 8) & 0o077) !== 0) {
    p.error(
      joinPath([...fp, "mode"]),
      "node.secret-mode",
      `${joinPath([...fp, "mode"])}: ${show(file.mode)} lets group or others read a secret file; use "0600" or "0400"`,
    );
  }
  if (file.owner !== undefined) checkShellValue(p, joinPath([...fp, "owner"]), file.owner, FILE_OWNER);
  if (file.onlyIf !== undefined) {
    checkSnippet(p, joinPath([...fp, "onlyIf", "test"]), file.onlyIf.test, true);
    checkShellValue(p, joinPath([...fp, "onlyIf", "otherwise"]), file.onlyIf.otherwise, DESCRIPTION);
  }
  if (typeof file.content !== "string") {
    p.error(joinPath([...fp, "content"]), "node.content", `${joinPath([...fp, "content"])}: file content must be a string`);
  }
}

function checkCommand(p: Problems, cp: ReadonlyArray<string | number>, command: NodeCommand): void {
  checkShellValue(p, joinPath([...cp, "name"]), command.name, LABEL);
  for (const key of ["create", "update", "delete", "afterDelete"] as const) {
    const snippet = command[key];
    if (snippet === undefined && key !== "create") continue;
    checkSnippet(p, joinPath([...cp, key]), snippet, key === "create");
  }
}

function checkSnippet(p: Problems, path: string, snippet: unknown, required: boolean): void {
  if (typeof snippet !== "string" || snippet.trim() === "") {
    p.error(path, "node.command", `${path}: must be a non-empty shell snippet${required ? "" : " or left out"}`);
  } else if (snippet.includes("\0")) {
    p.error(path, "node.command", `${path}: contains a NUL character`);
  }
}

/** Stable per-unit state key on the node: the id with `/` as `.` (ids never contain dots). */
export function unitKey(id: string): string {
  return id.replaceAll("/", ".");
}

/**
 * Digest of a unit's definition (ids, paths, modes, owners, content digests,
 * commands): what decides whether a later install runs `update`.
 */
export function unitDigest(unit: NodeUnit): string {
  return sha256Hex(
    JSON.stringify({
      id: unit.id,
      // onlyIf and afterDelete only when set, so the digest of every unit without them stays what it was.
      files: unit.files.map((f) => [
        f.path,
        f.mode,
        f.owner ?? DEFAULT_FILE_OWNER,
        sha256Hex(f.content),
        ...(f.onlyIf !== undefined ? [f.onlyIf.test, f.onlyIf.otherwise] : []),
      ]),
      commands: unit.commands.map((c) => [
        c.name,
        c.create,
        c.update ?? null,
        c.delete ?? null,
        ...(c.afterDelete !== undefined ? [c.afterDelete] : []),
      ]),
      // Only when set, so the digest of every unit without it stays what it was.
      ...(unit.rerunWhen !== undefined ? { rerunWhen: unit.rerunWhen } : {}),
    }),
  );
}

function base64Lines(text: string): string {
  const b64 = Buffer.from(text, "utf8").toString("base64");
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  return lines.join("\n");
}

function header(state: NodeState, what: "install" | "uninstall"): string {
  const scope = state.scope ?? DEFAULT_NODE_SCOPE;
  const purpose =
    what === "install"
      ? [
          "# Places this node's files and runs its commands, unit by unit. Safe to run",
          "# again: a second run changes nothing and says so. Undo with uninstall.sh.",
        ]
      : [
          "# Removes everything install.sh recorded for this scope: runs each unit's",
          "# delete commands, then restores replaced files and removes added ones.",
        ];
  return [
    "#!/usr/bin/env bash",
    `# podnet ${what}.sh for node ${state.node} (scope ${scope}). Generated by podnet: do not edit;`,
    "# change the spec and render again.",
    ...purpose,
    "set -euo pipefail",
    "umask 022",
    "",
    `readonly PODNET_NODE=${shQuote(state.node)}`,
    `readonly PODNET_SCOPE=${shQuote(scope)}`,
    NODE_SCRIPT_PRELUDE,
  ].join("\n");
}

function renderUnit(unit: NodeUnit, index: number, total: number): string {
  const fn = `podnet_unit_${index + 1}`;
  const digest = unitDigest(unit);
  const out: string[] = [];
  const deletes = unit.commands.filter((c) => c.delete !== undefined).reverse();
  if (deletes.length > 0) {
    out.push(`# Delete commands of ${unit.id}, kept on the node by install and run by uninstall.`);
    out.push(`${fn}_delete() {`);
    for (const c of deletes) {
      out.push(`podnet_step ${shQuote(c.name)}`);
      out.push((c.delete as string).replace(/\n+$/, ""));
    }
    out.push("}", "");
  }
  const afterDeletes = unit.commands.filter((c) => c.afterDelete !== undefined).reverse();
  if (afterDeletes.length > 0) {
    out.push(`# Commands of ${unit.id} that uninstall runs after its files are removed or restored.`);
    out.push(`${fn}_after_delete() {`);
    for (const c of afterDeletes) {
      out.push(`podnet_step ${shQuote(c.name)}`);
      out.push((c.afterDelete as string).replace(/\n+$/, ""));
    }
    out.push("}", "");
  }
  if (unit.rerunWhen !== undefined) {
    out.push(`# When this holds, ${unit.id} runs its commands although its definition is unchanged.`);
    out.push(`${fn}_rerun_when() {`, unit.rerunWhen.replace(/\n+$/, ""), "}", "");
  }
  out.push(`# Unit ${index + 1}/${total} ${unit.id}: ${unit.description}`);
  out.push(`${fn}() {`);
  out.push(`podnet_unit_begin ${shQuote(unit.id)} ${shQuote(unitKey(unit.id))}`);
  for (const f of unit.files) {
    const owner = f.owner ?? DEFAULT_FILE_OWNER;
    if (f.onlyIf !== undefined) out.push(`if ${f.onlyIf.test.replace(/\n+$/, "")}; then`);
    out.push(`podnet_file ${shQuote(f.path)} ${shQuote(f.mode)} ${shQuote(owner)} ${shQuote(sha256Hex(f.content))} <<'${EOF}'`);
    const b64 = base64Lines(f.content);
    if (b64 !== "") out.push(b64);
    out.push(EOF);
    if (f.onlyIf !== undefined) {
      // Not claimed this time: podnet_unit_end removes or restores a copy an earlier install placed.
      out.push("else", `podnet_log "$PODNET_UNIT: left out ${f.path}: "${shQuote(f.onlyIf.otherwise)}`, "fi");
    }
  }
  const after = afterDeletes.length > 0 ? ` ${shQuote(`${fn}_after_delete`)}` : "";
  out.push(`podnet_unit_store_delete ${shQuote(deletes.length > 0 ? `${fn}_delete` : "")}${after}`);
  out.push(`podnet_unit_mode ${shQuote(digest)}`);
  if (unit.rerunWhen !== undefined) {
    out.push(`if [[ "$PODNET_MODE" == none ]] && ${fn}_rerun_when; then PODNET_MODE=update; fi`);
  }
  if (unit.commands.length > 0) {
    out.push(`case "$PODNET_MODE" in`);
    for (const mode of ["create", "update"] as const) {
      out.push(`${mode})`);
      for (const c of unit.commands) {
        out.push(`podnet_step ${shQuote(c.name)}`);
        out.push(((mode === "update" ? c.update : undefined) ?? c.create).replace(/\n+$/, ""));
      }
      out.push(";;");
    }
    out.push("esac");
  }
  out.push(`podnet_unit_end ${shQuote(digest)} ${unit.commands.length > 0 ? "1" : "0"}`);
  out.push("}");
  return out.join("\n");
}

/**
 * Renders install.sh and uninstall.sh for a node. Throws a NetworkPlanError
 * (every problem, paths under `node`) when a value is unsafe; use
 * `checkNodeState` to collect the problems instead.
 */
export function renderNodeScripts(state: NodeState): NodeScripts {
  const p = new Problems();
  for (const problem of checkNodeState(state)) p.errors.push(problem);
  p.throwIfErrors();
  const units = state.units.map((u, i) => renderUnit(u, i, state.units.length));
  const keys = state.units.map((u) => shQuote(unitKey(u.id)));
  const install = [
    header(state, "install"),
    ...units.map((u) => `${u}\n`),
    "podnet_main() {",
    "  podnet_state_init",
    `  podnet_prune --${keys.map((k) => ` ${k}`).join("")}`,
    ...state.units.map((_, i) => `  podnet_unit_${i + 1}`),
    `  podnet_install_finish ${state.units.length}`,
    "}",
    "",
    'podnet_main "$@" </dev/null',
    "",
  ].join("\n");
  const uninstall = [header(state, "uninstall"), 'podnet_uninstall "$@" </dev/null', ""].join("\n");
  return { install, uninstall };
}
