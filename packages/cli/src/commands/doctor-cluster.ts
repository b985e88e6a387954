/**
 * Where `podnet doctor` reads the cluster's Node objects from (the core's
 * parseClusterFacts reads them): a saved `kubectl get nodes -o json`
 * (`--nodes-json`), kubectl over SSH on the spec's first control-plane node
 * (`--kube`, with that node's admin kubeconfig), or a local kubectl
 * (`--kubeconfig`). Every way is read-only.
 */

import type { DoctorPlan } from "@podnet/core";
import { type ClusterFacts, parseClusterFacts, SAFE_PATH, shQuote } from "@podnet/core/internal";
import { InputFileError, InputKind, parseJsonBounded, readInputText } from "../input-limits.js";
import { UsageError } from "../load-spec.js";
import { runWithInput, type SshSettings, sshArgv } from "./doctor-ssh.js";

/** kubeadm's admin kubeconfig on a control-plane node. */
export const KUBEADM_ADMIN_CONF = "/etc/kubernetes/admin.conf";

/** Where `podnet doctor` reads the cluster's Node objects from (at most one of these). */
export interface ClusterSourceOptions {
  /** A saved `kubectl get nodes -o json`. */
  readonly nodesJson?: string;
  /** Run kubectl over SSH on the first control-plane node of the spec. */
  readonly kube?: boolean;
  /** With --kube: the kubeconfig on that node. @default "/etc/kubernetes/admin.conf" */
  readonly remoteKubeconfig?: string;
  /** Run kubectl here with this kubeconfig. */
  readonly kubeconfig?: string;
  /** The local kubectl program. @default "kubectl" */
  readonly kubectl?: string;
}

function parsed(text: string, where: string, what: string): ClusterFacts {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${what}: not JSON (${(e as Error).message.split("\n")[0]}); give the output of kubectl get nodes -o json`);
  }
  return factsOf(data, where, what);
}

function factsOf(data: unknown, where: string, what: string): ClusterFacts {
  const r = parseClusterFacts(data, where);
  if (!r.facts)
    throw new UsageError(`${what}: not a Node list as kubectl get nodes -o json prints it:\n${r.problems.map((p) => `  ${p}`).join("\n")}`);
  return r.facts;
}

/** The cluster's Node objects, or undefined when no source was given; usage errors name the source. */
export async function readClusterFacts(
  opts: ClusterSourceOptions,
  doctor: DoctorPlan,
  settings: SshSettings,
): Promise<ClusterFacts | undefined> {
  const given = [opts.nodesJson !== undefined, opts.kube === true, opts.kubeconfig !== undefined].filter(Boolean).length;
  if (given > 1) throw new UsageError("--nodes-json, --kube and --kubeconfig each name where the Node objects come from: give one");
  if (opts.remoteKubeconfig !== undefined && !opts.kube) throw new UsageError("--remote-kubeconfig goes with --kube");
  if (opts.nodesJson !== undefined) {
    let data: unknown;
    try {
      // Bounded like every file the CLI reads: only a regular file, at most the Node-list limit, not too deep.
      data = parseJsonBounded(readInputText(opts.nodesJson, InputKind.NODES), opts.nodesJson, InputKind.NODES);
    } catch (e) {
      const why =
        e instanceof InputFileError
          ? e.problem === "missing"
            ? "cannot read it (ENOENT)"
            : e.message
          : `not JSON (${(e as Error).message.split("\n")[0]})`;
      throw new UsageError(`--nodes-json ${opts.nodesJson}: ${why}; give the output of kubectl get nodes -o json`);
    }
    return factsOf(data, opts.nodesJson, `--nodes-json ${opts.nodesJson}`);
  }
  const timeoutMs = settings.timeoutMs;
  if (opts.kubeconfig !== undefined) {
    const kubectl = opts.kubectl ?? "kubectl";
    const r = await runWithInput([kubectl, "--kubeconfig", opts.kubeconfig, "get", "nodes", "-o", "json"], "", timeoutMs);
    if (r.error || r.timedOut || r.code !== 0)
      throw new UsageError(
        `--kubeconfig ${opts.kubeconfig}: ${kubectl} get nodes failed: ${r.error ?? (r.timedOut ? "no answer in time" : r.stderr.trim().split("\n").pop() || `exit ${r.code}`)}`,
      );
    return parsed(r.stdout, `kubectl --kubeconfig ${opts.kubeconfig}`, `--kubeconfig ${opts.kubeconfig}`);
  }
  if (!opts.kube) return undefined;
  const conf = opts.remoteKubeconfig ?? KUBEADM_ADMIN_CONF;
  if (!SAFE_PATH.pattern.test(conf)) throw new UsageError(`--remote-kubeconfig ${JSON.stringify(conf)}: ${SAFE_PATH.rule}`);
  const cp = doctor.plan.nodes.find((n) => n.roles.includes("control-plane"));
  if (!cp)
    throw new UsageError(
      "--kube runs kubectl on the first node with roles: [control-plane], and the spec has none: add the role, or use --kubeconfig FILE or --nodes-json FILE",
    );
  const argv = sshArgv(cp, settings);
  if ("problem" in argv) throw new UsageError(`--kube: ${argv.problem}`);
  const script = `set -euo pipefail\nkubectl --kubeconfig ${shQuote(conf)} get nodes -o json\n`;
  const r = await runWithInput(argv.argv, script, timeoutMs);
  if (r.error || r.timedOut || r.code !== 0)
    throw new UsageError(
      `--kube: kubectl get nodes on node "${cp.name}" failed: ${r.error ?? (r.timedOut ? "no answer in time" : r.stderr.trim().split("\n").pop() || `exit ${r.code}`)}`,
    );
  return parsed(r.stdout, `kubectl on node "${cp.name}"`, `--kube (kubectl on node "${cp.name}")`);
}
