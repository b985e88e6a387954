/**
 * Doctor check of the node's subnet: flannel's subnet.env (Network, Subnet,
 * MTU, ip-masq) against the plan's subnet for the node.
 */

import type { PerFamily } from "../../plan/index.js";
import { type Cidr, contains, FAMILY_LABEL, type IpFamily, nthAddress, parseCidr, parseInterfaceAddress } from "../../shared/cidr.js";
import type { DiagnosisBuilder } from "../builder.js";
import { fileFact, type NodeFacts } from "../facts.js";
import type { ExpectedNodeState } from "../model.js";

const ENV_KEYS: Record<IpFamily, { network: string; subnet: string }> = {
  ipv4: { network: "FLANNEL_NETWORK", subnet: "FLANNEL_SUBNET" },
  ipv6: { network: "FLANNEL_IPV6_NETWORK", subnet: "FLANNEL_IPV6_SUBNET" },
};

/** What later checks need from the earlier ones. */
export interface SubnetState {
  /** The node's subnet per family: observed in subnet.env, else the planned one. */
  readonly subnets: PerFamily<Cidr>;
  /** True when subnet.env was read (the subnets are observed). */
  readonly observed: boolean;
  /** True when the interface MTU itself differs from the spec (MTU findings derived from it are not repeated). */
  readonly mtuMismatch: boolean;
}

/** Reads `KEY=VALUE` lines (flannel's subnet.env); quotes around values are removed. */
export function parseEnvFile(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split("\n")) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(raw);
    if (!m) continue;
    out.set(m[1] as string, (m[2] as string).trim().replace(/^(["'])(.*)\1$/, "$2"));
  }
  return out;
}

function planned(expected: ExpectedNodeState): PerFamily<Cidr> {
  const out: Partial<Record<IpFamily, Cidr>> = {};
  for (const f of expected.families) {
    const text = expected.subnet?.planned[f];
    const c = text ? parseCidr(text) : undefined;
    if (c?.ok) out[f] = c.value;
  }
  return out;
}

/** The subnets a node's subnet.env names, or undefined when it cannot be read. */
export function observedSubnets(expected: ExpectedNodeState, facts: NodeFacts): PerFamily<string> | undefined {
  if (!expected.flannel) return undefined;
  const f = fileFact(facts.sections, expected.flannel.subnetFile);
  if (!f.ok || f.value === undefined) return undefined;
  const env = parseEnvFile(f.value);
  const out: Partial<Record<IpFamily, string>> = {};
  for (const fam of expected.families) {
    const a = parseInterfaceAddress(env.get(ENV_KEYS[fam].subnet) ?? "");
    if (a.ok) out[fam] = a.value.network.text;
  }
  return out;
}

function firstHost(c: Cidr): string {
  return `${nthAddress(c, 1n)}/${c.prefix}`;
}

/** Checks flannel's subnet.env against the plan; returns the node's subnets (observed where subnet.env names them). */
export function checkSubnet(expected: ExpectedNodeState, facts: NodeFacts, d: DiagnosisBuilder, mtuMismatch = false): SubnetState {
  const state: SubnetState = { subnets: planned(expected), observed: false, mtuMismatch };
  const fl = expected.flannel;
  const sub = expected.subnet;
  if (!fl || !sub) return state;
  const check = "subnet";
  const file = fileFact(facts.sections, fl.subnetFile);
  if (!file.ok) {
    d.cannot(check, file.reason);
    return state;
  }
  const plannedText = expected.families
    .map((f) => (state.subnets[f] ? `${ENV_KEYS[f].subnet}=${firstHost(state.subnets[f] as Cidr)}` : ""))
    .filter(Boolean);
  if (file.value === undefined) {
    d.find(
      check,
      "subnet-env.missing",
      `${fl.subnetFile} written by flanneld (${plannedText.join(", ")})`,
      "no such file",
      `flanneld writes it once it holds a lease; until then every pod sandbox fails ("loadFlannelSubnetEnv failed"). Check that flanneld runs on node "${expected.node}" (${fl.datastore === "etcd" ? "systemctl status flanneld; journalctl -u flanneld" : "kubectl -n kube-flannel logs on the node's kube-flannel pod"})`,
    );
    return state;
  }
  d.ran(check);
  const env = parseEnvFile(file.value);
  const observed: Partial<Record<IpFamily, Cidr>> = {};
  for (const f of expected.families) {
    const got = checkFamilySubnet(expected, f, env, state, d);
    if (got) observed[f] = got;
  }
  checkEnvSettings(expected, env, mtuMismatch, d);
  return { subnets: { ...state.subnets, ...observed }, observed: true, mtuMismatch };
}

/** One family's lines of subnet.env against the plan; returns the subnet flanneld holds, when it names one. */
function checkFamilySubnet(
  expected: ExpectedNodeState,
  f: IpFamily,
  env: ReadonlyMap<string, string>,
  state: SubnetState,
  d: DiagnosisBuilder,
): Cidr | undefined {
  const check = "subnet";
  const fl = expected.flannel as NonNullable<ExpectedNodeState["flannel"]>;
  const sub = expected.subnet as NonNullable<ExpectedNodeState["subnet"]>;
  const keys = ENV_KEYS[f];
  const network = env.get(keys.network);
  const want = expected.clusterCidrs[f];
  if (want !== undefined && network !== want) {
    d.find(
      check,
      "subnet-env.network",
      `${keys.network}=${want} (the plan's ${FAMILY_LABEL[f]} pod CIDR)`,
      network === undefined ? `no ${keys.network} in ${fl.subnetFile}` : `${keys.network}=${network} in ${fl.subnetFile}`,
      `flannel runs with another Network than the plan: the config in ${fl.datastore === "etcd" ? "etcd (<prefix>/config)" : "the kube-flannel-cfg ConfigMap"} was not updated, or flanneld was not restarted after it was. Apply the rendered config, then restart flanneld; a Network change moves every pod (see podnet diff for the migration)`,
    );
  }
  const subnetText = env.get(keys.subnet);
  const addr = parseInterfaceAddress(subnetText ?? "");
  if (!addr.ok) {
    d.find(
      check,
      "subnet-env.subnet",
      `${keys.subnet}=${state.subnets[f] ? firstHost(state.subnets[f] as Cidr) : "<node subnet>"}`,
      subnetText === undefined ? `no ${keys.subnet} in ${fl.subnetFile}` : `${keys.subnet}=${subnetText} is not an address/prefix`,
      `restart flanneld on node "${expected.node}" so it rewrites ${fl.subnetFile}`,
    );
    return undefined;
  }
  const got = addr.value.network;
  const plan = state.subnets[f];
  if (plan && sub.predicted && got.text !== plan.text) {
    // kube-controller-manager gave the node another subnet than the plan predicted: no fault.
    d.inform(
      check,
      "subnet.assigned-differs",
      `${FAMILY_LABEL[f]} subnet ${plan.text} (${sub.source})`,
      `${keys.subnet}=${subnetText} in ${fl.subnetFile}: flanneld holds ${got.text}`,
      "kube-controller-manager assigned another subnet than the plan's prediction; to check it against the cluster's assignment, give doctor the Node objects: --kube (kubectl on the first control-plane node), --kubeconfig FILE, or --nodes-json FILE (kubectl get nodes -o json)",
    );
  }
  if (plan && sub.authoritative && !sub.predicted && got.text !== plan.text) {
    const etcd = fl.datastore === "etcd";
    d.find(
      check,
      "subnet.stale",
      `${FAMILY_LABEL[f]} subnet ${plan.text} (${sub.source}; ${keys.subnet}=${firstHost(plan)})`,
      `${keys.subnet}=${subnetText} in ${fl.subnetFile}: flanneld holds ${got.text}`,
      etcd
        ? `flanneld keeps reusing an old lease that matches its PublicIP (seed 004). List the stale leases with \`podnet doctor <spec> --fix-leases\`, delete them with \`--fix-leases --yes\`, then restart flanneld on node "${expected.node}" (systemctl restart flanneld) so it takes ${plan.text}`
        : `flanneld took its subnet before the Node got ${plan.text} (the node was deleted and joined again, or subnet.env is left over): restart flanneld on node "${expected.node}" (delete its kube-flannel pod; systemd mode: systemctl restart flanneld) so it reads spec.podCIDRs again`,
    );
  } else if (!sub.authoritative || sub.predicted) {
    const cluster = want ? parseCidr(want) : undefined;
    const len = sub.length[f];
    if ((cluster?.ok && !contains(cluster.value, got)) || (len !== undefined && got.prefix !== len)) {
      d.find(
        check,
        "subnet.outside",
        `an ${FAMILY_LABEL[f]} /${len} subnet inside ${want}`,
        `${keys.subnet}=${subnetText} in ${fl.subnetFile}`,
        fl.datastore === "etcd"
          ? `flanneld holds a lease from another configuration: delete the node's lease (podnet doctor <spec> --fix-leases) and restart flanneld`
          : `kube-controller-manager assigns subnets from another range or size than the plan: its --cluster-cidr and --node-cidr-mask-size-${f === "ipv4" ? "ipv4" : "ipv6"} must match cluster.podCidrs and the node mask (podnet plan prints them)`,
      );
    }
  }
  return got;
}

/** FLANNEL_MTU and FLANNEL_IPMASQ in subnet.env against the spec. */
function checkEnvSettings(expected: ExpectedNodeState, env: ReadonlyMap<string, string>, mtuMismatch: boolean, d: DiagnosisBuilder): void {
  const check = "subnet";
  const fl = expected.flannel as NonNullable<ExpectedNodeState["flannel"]>;
  const mtu = env.get("FLANNEL_MTU");
  if (fl.mtu !== undefined && mtu !== String(fl.mtu) && !mtuMismatch) {
    d.find(
      check,
      "subnet-env.mtu",
      `FLANNEL_MTU=${fl.mtu} (the interface MTU minus flannel's ${fl.backend} overhead)`,
      mtu === undefined ? `no FLANNEL_MTU in ${fl.subnetFile}` : `FLANNEL_MTU=${mtu}`,
      `pods get this MTU; flanneld computed it from another interface MTU or backend MTU than the spec says: check the interface MTU on the node against nodes[${expected.index}].interfaces, then restart flanneld`,
    );
  }
  const masq = env.get("FLANNEL_IPMASQ");
  if (masq !== undefined && masq !== String(fl.ipMasq)) {
    d.find(
      check,
      "subnet-env.ipmasq",
      `FLANNEL_IPMASQ=${fl.ipMasq} (flannel.ipMasq)`,
      `FLANNEL_IPMASQ=${masq}`,
      `flanneld runs ${fl.ipMasq ? "without" : "with"} --ip-masq, unlike the spec: apply the rendered ${fl.datastore === "etcd" ? "flanneld.service" : "DaemonSet"} and restart flanneld`,
    );
  }
}
