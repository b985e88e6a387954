/**
 * The flannel binary path as separate steps, for front ends that run each unit
 * as its own resource (Pulumi: one `remote.Command` per step, ordered by
 * dependsOn). Each step is its own node-layer scope (`/var/lib/podnet/flannel-<step>`),
 * so one step's install never prunes another's units; one driver script runs
 * every step's uninstall.sh, last step first (what `pulumi destroy` sends).
 */
import { renderNodeScripts } from "../../host/node-scripts.js";
import type { NodeState, NodeUnit } from "../../host/node-state.js";
import { shQuote } from "../../shared/shell.js";

/** The node-layer scope of a flannel unit run as a step: `flannel/certs` -> `flannel-certs`. */
export function flannelStepScope(unit: NodeUnit): string {
  return unit.id.replace("/", "-");
}

/** One unit as a NodeState of its own scope. */
export function flannelStepState(node: string, unit: NodeUnit): NodeState {
  return { node, scope: flannelStepScope(unit), units: [unit] };
}

/** install.sh of the step holding `unitId` (a no-op script when the node has no such unit). */
export function flannelStepInstall(state: NodeState, unitId: string): string {
  const unit = state.units.find((u) => u.id === unitId);
  return unit ? renderNodeScripts(flannelStepState(state.node, unit)).install : "true\n";
}

/**
 * One script that runs every step's uninstall.sh, last step first, each in its own bash
 * (each carries its own readonly settings). Base64 in quoted here-documents: the
 * delimiter cannot occur in base64.
 */
export function flannelUninstallDriver(state: NodeState): string {
  const parts = [...state.units].reverse().map((u) => {
    const b64 = Buffer.from(renderNodeScripts(flannelStepState(state.node, u)).uninstall, "utf8").toString("base64");
    const lines: string[] = [];
    for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
    return `base64 -d <<'PODNET_EOF' | bash -s\n${lines.join("\n")}\nPODNET_EOF`;
  });
  return [
    "#!/usr/bin/env bash",
    `# podnet: flannel uninstall for node ${state.node}: each step's uninstall.sh, last step first.`,
    "set -euo pipefail",
    ...parts,
    "",
  ].join("\n");
}

/**
 * The certs step's script in place of the real one while the ServiceAccount token is empty:
 * Pulumi reads the token Secret right after creating it, and the token controller fills
 * `data.token` a moment later. Front ends check the token before rendering the kubeconfig;
 * when it is empty they send this, which writes nothing and fails with what to do, so no
 * kubeconfig with an empty token reaches a node.
 */
export function flannelTokenPendingInstall(node: string, secret: string): string {
  return [
    "#!/usr/bin/env bash",
    `# podnet: flannel/certs for node ${node}: flanneld's kubeconfig needs the token of Secret ${secret}, which is still empty.`,
    "set -euo pipefail",
    `printf 'podnet[%s]: error: %s\\n' ${shQuote(node)} ${shQuote(`the token controller has not filled Secret ${secret} yet (data.token is empty), so no kubeconfig was written; run pulumi up again`)} >&2`,
    "exit 1",
    "",
  ].join("\n");
}
