/**
 * The per-node part of a bundle: `root/<absolute path>` for every file, plus
 * install.sh and uninstall.sh (mode 0755) from the node layer. The scripts are
 * the bytes the Pulumi NodeRunner would send: run them as `bash install.sh`
 * (or `ssh node bash -s < install.sh`) on the node as root.
 */
import { type NodeState, renderNodeScripts } from "@podnet/core";

/** A node's bundle files (path under the node folder, content, mode): its unit files and install.sh / uninstall.sh. */
export function renderNodeFiles(state: NodeState): Array<[string, { content: string; mode: string }]> {
  const out: Array<[string, { content: string; mode: string }]> = [];
  for (const unit of state.units) {
    for (const f of unit.files) out.push([`root${f.path}`, { content: f.content, mode: f.mode }]);
  }
  const scripts = renderNodeScripts(state);
  out.push(["install.sh", { content: scripts.install, mode: "0755" }]);
  out.push(["uninstall.sh", { content: scripts.uninstall, mode: "0755" }]);
  return out;
}
