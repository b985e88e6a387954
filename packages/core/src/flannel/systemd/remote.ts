/**
 * FlannelNetwork mode `systemd` run as remote commands, one per step and node (the
 * Pulumi front end, whose argument names the messages use): the inputs it must be
 * given, which node writes the etcd config, the node order, each step's script,
 * resource name and trigger, and the apply order of the kube subnet manager's objects.
 * The front end only creates the resources and wires them.
 */

import type { NodeState } from "../../host/node-state.js";
import type { CidrPlan } from "../../plan/index.js";
import { sha256Hex } from "../../shared/hash.js";
import type { Problems } from "../../shared/problems.js";
import { checkWith, type Planned, plannedOf } from "../../shared/result.js";
import { type FlannelNetworkOptions, flannelNetworkSchema } from "../options.js";
import { renderFlannelEtcdWriteConfig } from "./etcd-script.js";
import { FLANNEL_KUBE_NAMES } from "./kube-subnet-mgr.js";
import { type FlannelSystemdMaterial, type FlannelSystemdNode, type FlannelSystemdPlan, planFlannelSystemd } from "./plan.js";
import { flannelStepInstall, flannelTokenPendingInstall } from "./steps.js";

/** What the front end was given to reach the nodes (`hosts`), as presence: the values may arrive late. */
export interface FlannelSystemdRemoteInputs {
  /** With one private key per node name: whether `node` has one. @default - one key for every node */
  readonly hasKeyFor?: (node: string) => boolean;
  /** `hosts.etcdClientCert` is given. */
  readonly etcdClientCert: boolean;
  /** `hosts.etcdServerCaPem` is given. */
  readonly etcdServerCaPem: boolean;
  /** `hosts.etcdCa` is given. */
  readonly etcdCa: boolean;
  /** `hosts.kubeCaPem` is given. */
  readonly kubeCaPem: boolean;
}

/**
 * Validates options against the plan for mode systemd.
 * @throws NetworkPlanError with every problem
 */
export function planFlannelSystemdNetwork(plan: CidrPlan, options: FlannelNetworkOptions): Planned<FlannelSystemdPlan> {
  return plannedOf(
    checkWith(flannelNetworkSchema, options, ["flannel"], (config, p) => planFlannelSystemd({ config, plan, base: "flannel" }, p)),
  );
}

/**
 * The CLI's file fields: a remote front end reads no files, so each is an error naming the `hosts`
 * argument that carries the same material (the same field would otherwise mean one thing per front end).
 */
function checkCliFileFields(sp: FlannelSystemdPlan, p: Problems): void {
  const field = (path: string, value: string | undefined, instead: string) => {
    if (value !== undefined)
      p.error(
        path,
        "flannel.systemd.cli-file",
        `${path}: ${JSON.stringify(value)} is a file for the CLI (podnet render); Pulumi reads no files and would ignore it: remove it and ${instead}`,
      );
  };
  const tls = sp.etcd ? sp.systemd.etcd?.tls : undefined;
  field(
    "systemd.etcd.tls.caFile",
    tls?.caFile,
    "pass the PEM of etcd's server CA as hosts.etcdServerCaPem (or hosts.etcdCa, the CA podnet signs flanneld's certificate with)",
  );
  field(
    "systemd.etcd.tls.certFile",
    tls?.certFile,
    "pass your client certificate as hosts.etcdClientCert.certPem, or leave it out and podnet issues one with @pulumi/tls",
  );
  field(
    "systemd.etcd.tls.keyFile",
    tls?.keyFile,
    "pass its key as hosts.etcdClientCert.keyPem (a secret), or leave it out and podnet issues one with @pulumi/tls",
  );
  const kube = sp.kube;
  field("systemd.kubeSubnetMgr.caFile", kube?.caFile, "pass the cluster CA's PEM as hosts.kubeCaPem");
  field(
    "systemd.kubeSubnetMgr.tokenFile",
    kube?.tokenFile,
    `pass the token as hosts.kubeToken (a secret), or leave it out and podnet reads it from the Secret ${kube?.namespace ?? "kube-system"}/${FLANNEL_KUBE_NAMES.tokenSecret} it creates`,
  );
}

/** Checks what the front end was given (`undefined`: no `hosts`) against the plan; each message starts with its property path. */
export function checkFlannelSystemdRemoteInputs(sp: FlannelSystemdPlan, inputs: FlannelSystemdRemoteInputs | undefined, p: Problems): void {
  checkCliFileFields(sp, p);
  if (!inputs) {
    p.error("hosts", "flannel.systemd.hosts-missing", 'hosts: mode "systemd" needs hosts: { privateKey, ... } to reach the nodes over SSH');
    return;
  }
  for (const n of sp.nodes) {
    if (!n.ssh)
      p.error(
        `plan.nodes[${n.index}].ssh`,
        "flannel.systemd.ssh-missing",
        `plan.nodes[${n.index}].ssh: node "${n.node}" has no ssh connection; set nodes[].ssh.host`,
      );
    if (inputs.hasKeyFor && !inputs.hasKeyFor(n.node))
      p.error(
        `hosts.privateKey.${n.node}`,
        "flannel.systemd.key-missing",
        `hosts.privateKey: no key for node "${n.node}"; give one key for all nodes or one per node name`,
      );
  }
  if (sp.etcd?.tls && inputs.etcdClientCert && !inputs.etcdServerCaPem && !inputs.etcdCa)
    p.error(
      "hosts.etcdServerCaPem",
      "flannel.systemd.etcd-ca-missing",
      "hosts.etcdServerCaPem: with your own etcdClientCert, give the CA of etcd's server certificate (--etcd-cafile) too",
    );
  if (sp.kube && !inputs.kubeCaPem)
    p.error(
      "hosts.kubeCaPem",
      "flannel.systemd.kube-ca-missing",
      "hosts.kubeCaPem: datastore kube-subnet-mgr needs the cluster CA (PEM) for flanneld's kubeconfig",
    );
}

/** The config node, which runs the etcd config-writing script: the configured one, else the first etcd member, else the first node. */
export function flannelSystemdConfigNode(sp: FlannelSystemdPlan): string {
  const wanted = sp.systemd.etcd?.configNode;
  return wanted ?? sp.nodes.find((n) => n.etcdLocal)?.node ?? (sp.nodes[0]?.node as string);
}

/** Nodes in creation order: the config node first (the datastore step follows its certificate), then by index. */
export function flannelSystemdNodeOrder(sp: FlannelSystemdPlan): FlannelSystemdNode[] {
  const cfg = flannelSystemdConfigNode(sp);
  return [...sp.nodes].sort((a, b) => (a.node === cfg ? -1 : b.node === cfg ? 1 : a.index - b.index));
}

/** The etcd config-writing script (`etcd/write-config.sh`); `undefined` without etcd. */
export function flannelSystemdEtcdWriteConfig(sp: FlannelSystemdPlan): string | undefined {
  return sp.etcd
    ? renderFlannelEtcdWriteConfig(sp.etcd, { caFile: sp.certPaths.ca, certFile: sp.certPaths.cert, keyFile: sp.certPaths.key })
    : undefined;
}

/** Whether nodes get a flannel/certs step: an etcd client certificate or a kubeconfig. */
export function flannelSystemdNeedsCerts(sp: FlannelSystemdPlan): boolean {
  return sp.etcd?.tls === true || sp.kube !== undefined;
}

/** The material without its absent fields (the units test presence with `!== undefined`). */
export function flannelSystemdMaterial(m: { readonly [K in keyof FlannelSystemdMaterial]?: string | undefined }): FlannelSystemdMaterial {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined));
}

/** An empty token read back from the token Secret (none given): the token controller has not filled it in yet. */
export function flannelTokenPending(sp: FlannelSystemdPlan, tokenGiven: boolean, token: string | undefined): boolean {
  return sp.kube !== undefined && !tokenGiven && token === "";
}

/** The kube subnet manager's token Secret, `namespace/name`. */
export function flannelSystemdTokenSecret(sp: FlannelSystemdPlan): string {
  return `${sp.kube?.namespace ?? ""}/${FLANNEL_KUBE_NAMES.tokenSecret}`;
}

/** A node's units as its steps run remotely: flannel/secrets is the CLI's staging step, the remote certs step places the key itself. */
export function flannelRemoteState(states: readonly NodeState[], node: string): NodeState {
  const state = states.find((s) => s.node === node);
  return { node, units: (state?.units ?? []).filter((u) => u.id !== "flannel/secrets") };
}

/** The resource name suffix of a step: `flannel/service` -> `start`, else the id's last part. */
export function flannelRemoteStepName(unitId: string): string {
  const step = unitId.replace(/^flannel\//, "");
  return step === "service" ? "start" : step;
}

/**
 * install.sh of one step on one node. No states: the token is still empty, so the script
 * fails saying so and writes nothing (only the certs step reads the token).
 */
export function flannelRemoteStepScript(
  sp: FlannelSystemdPlan,
  states: readonly NodeState[] | undefined,
  node: string,
  unitId: string,
): string {
  return states
    ? flannelStepInstall(flannelRemoteState(states, node), unitId)
    : flannelTokenPendingInstall(node, flannelSystemdTokenSecret(sp));
}

/** A step's trigger: the sha256 of its script, so a changed script runs again. */
export function flannelStepTrigger(script: string): string {
  return sha256Hex(script);
}

/** flanneld's kubeconfig as the certs step places it (first node); "" without one. */
export function flannelSystemdKubeconfig(sp: FlannelSystemdPlan, states: readonly NodeState[] | undefined): string {
  return states?.[0]?.units.find((u) => u.id === "flannel/certs")?.files.find((f) => f.path === sp.kube?.kubeconfigPath)?.content ?? "";
}

/** Apply order of the kube subnet manager's objects: the binding after its role, the token Secret after its ServiceAccount. */
export function flannelSystemdObjectDependencies(kind: string): readonly string[] {
  return kind === "ClusterRoleBinding" ? ["ClusterRole"] : kind === "Secret" ? ["ServiceAccount"] : [];
}
