/**
 * The per-node part of a bundle: `root/<absolute path>` for every file, plus
 * install.sh and uninstall.sh from the node layer.
 */
import type { NodeState } from "@podnet/core";

export function renderNodeFiles(state: NodeState): Array<[string, { content: string; mode: string }]> {
  const out: Array<[string, { content: string; mode: string }]> = [];
  for (const unit of state.units) {
    for (const f of unit.files) out.push([`root${f.path}`, { content: f.content, mode: f.mode }]);
  }
  // install.sh / uninstall.sh are added by the node layer (renderNodeScripts).
  return out;
}
