/**
 * What doctor expects on each node, derived from the spec through the
 * components' own planners (each network component's `doctor`, and
 * NodeNetworkPrep): nothing is re-derived here that a component already
 * computes, so doctor follows their choices (interface, MTU, devices, ports).
 */

import { checkConflicts } from "../component/conflicts.js";
import type { NetworkExpectation } from "../component/expectations.js";
import type { FlannelNetworkOptions } from "../flannel/options.js";
import type { HostRequirements } from "../host/requirements.js";
import type { CidrPlan, PlanContext } from "../plan/index.js";
import { checkNodeNetworkPrep, type NodeNetworkPrepResult } from "../prep/node-network-prep.js";
import type { NodeNetworkPrepOptions } from "../prep/options.js";
import { Problems } from "../shared/problems.js";
import type { Checked } from "../shared/result.js";
import { parseSection } from "../shared/result.js";
import { checkSpecPlan } from "../spec/bundle.js";
import { COMPONENTS, componentSections } from "../spec/registry.js";
import { podnetSpecSchema } from "../spec/schema.js";
import type { DoctorCollectOptions } from "./collect.js";
import type { DoctorNetwork, ExpectedNodeState } from "./model.js";

export { CALICO_CNI_CONF_DIR, CALICO_CONFLIST_NAME, CALICO_VXLAN_VNI } from "../calico/doctor.js";
export { FLANNEL_CNI_BRIDGE } from "../flannel/doctor.js";

/** Everything doctor needs for a spec: per-node expectations, the collection script's inputs, etcd leases. */
export interface DoctorPlan {
  readonly plan: CidrPlan;
  readonly network: DoctorNetwork;
  readonly nodes: readonly ExpectedNodeState[];
  /** Inputs of the collection script (the union over all nodes). */
  readonly collect: DoctorCollectOptions;
  /** flannel with the etcd datastore: where the leases are and which ones the plan wants. */
  readonly leases?: NetworkExpectation["leases"];
}

/** Validates the spec the way `podnet validate` does and derives what every node should have. */
export function planDoctor(input: unknown, context: PlanContext = {}): Checked<DoctorPlan> {
  const parsing = new Problems();
  const spec = parseSection(podnetSpecSchema, input, [], parsing, { reportInput: true });
  if (!spec) return { errors: parsing.errors, warnings: [] };
  const planCheck = checkSpecPlan(spec, input, context);
  if (!planCheck.value) return { errors: planCheck.errors, warnings: planCheck.warnings };
  const r = planDoctorForPlan(planCheck.value, componentSections(spec));
  return { ...r, warnings: [...planCheck.warnings, ...r.warnings] };
}

/** The network sections doctor follows (the spec's `flannel:`, `calico:` and `prep:`, or a front end's options). */
export interface DoctorSections {
  readonly flannel?: FlannelNetworkOptions;
  readonly calico?: unknown;
  readonly prep?: NodeNetworkPrepOptions;
  /** Host needs of networks not given as a section (what a NodeNetworkPrep component receives). @default [] */
  readonly hostRequirements?: readonly HostRequirements[];
}

/** Each network component's expectations for the sections given, in registry order; problems into `p`. */
function networkExpectations(plan: CidrPlan, sections: Readonly<Record<string, unknown>>, p: Problems): NetworkExpectation[] {
  const out: NetworkExpectation[] = [];
  for (const c of COMPONENTS) {
    const section = sections[c.key];
    if (!c.doctor || section === undefined) continue;
    const e = c.doctor.expect(section, plan, p);
    if (e) out.push(e);
  }
  for (const c of COMPONENTS) checkConflicts(c, sections, p);
  return out;
}

/** Like planDoctor, from a computed plan and the component options (what a Pulumi or cdk8s front end holds). */
export function planDoctorForPlan(plan: CidrPlan, sections: DoctorSections): Checked<DoctorPlan> {
  const p = new Problems();
  const networks = networkExpectations(plan, sections as Readonly<Record<string, unknown>>, p);
  const reqs = [...networks.map((n) => n.hostRequirements), ...(sections.hostRequirements ?? [])];
  const prepCheck = checkNodeNetworkPrep({ plan, options: sections.prep ?? { cniPlugins: false }, hostRequirements: reqs });
  p.merge(prepCheck);
  if (!p.ok || !prepCheck.value) return { errors: p.errors, warnings: p.warnings };
  const prep = prepCheck.value;
  // A cluster runs one pod network (the components' conflicts): the first one given.
  const network = networks[0];
  const nodes = plan.nodes.map((n) => nodeState(n.name, n.index, plan, network, prep, sections.prep !== undefined));
  const leases = networks.find((n) => n.leases)?.leases;
  return {
    value: { plan, network: network?.network ?? "none", nodes, collect: collectOptions(nodes), ...(leases ? { leases } : {}) },
    errors: [],
    warnings: p.warnings,
  };
}

/** The expectations of one node (undefined when the spec has no such node). */
export function expectedNodeState(doctor: DoctorPlan, node: string): ExpectedNodeState | undefined {
  return doctor.nodes.find((n) => n.node === node);
}

/** NodeNetworkPrep's firewalld expectations for the node, when it manages firewalld there. */
function firewallExpectation(prep: NodeNetworkPrepResult, name: string): Pick<ExpectedNodeState, "firewalld"> {
  const fw = prep.nodes.find((n) => n.node === name)?.firewall;
  if (!fw) return {};
  return {
    firewalld: {
      zone: fw.zone,
      ports: fw.ports,
      protocols: fw.protocols,
      trustedZone: fw.trustedZone,
      sources: fw.sources,
      interfaces: fw.interfaces,
      openings: fw.openings,
    },
  };
}

function nodeState(
  name: string,
  index: number,
  plan: CidrPlan,
  network: NetworkExpectation | undefined,
  prep: NodeNetworkPrepResult,
  hasPrep: boolean,
): ExpectedNodeState {
  const base = {
    node: name,
    index,
    network: network?.network ?? "none",
    families: plan.families,
    clusterCidrs: plan.podCidr,
    sysctls: prep.sysctl.map((s) => ({ key: s.key, value: s.value, reason: s.reason })),
    kernelModules: prep.kernelModules.map((m) => ({ name: m.name, reason: m.reason })),
    networkManagerPatterns: prep.unmanagedDevices,
  };
  const { devices = [], routes = [], notes = [], unmanaged = [], ...extra } = network?.node(name, index) ?? {};
  // Without a network section (host needs passed in), the exact device names among the patterns.
  const literal = network === undefined ? prep.unmanagedDevices.filter((d) => !d.includes("*")) : [];
  const networkManagerUnmanaged =
    prep.unmanagedDevices.length > 0 ? [...new Set([...devices.map((d) => d.name), ...unmanaged, ...literal])] : [];
  const allNotes = [
    ...notes,
    ...(hasPrep ? [] : ["the spec has no prep: section; sysctls and kernel modules are checked against NodeNetworkPrep's defaults"]),
  ];
  return { ...base, ...firewallExpectation(prep, name), ...extra, devices, routes, networkManagerUnmanaged, notes: allNotes };
}

function collectOptions(nodes: readonly ExpectedNodeState[]): DoctorCollectOptions {
  const uniq = (xs: Iterable<string>) => [...new Set(xs)].sort();
  return {
    subnetFiles: uniq(nodes.flatMap((n) => (n.flannel ? [n.flannel.subnetFile] : []))),
    cniConfDirs: uniq(nodes.flatMap((n) => (n.cni ? [n.cni.confDir] : []))),
    cniFiles: uniq(nodes.flatMap((n) => (n.cni ? [`${n.cni.confDir}/${n.cni.file}`] : []))),
    sysctlKeys: uniq(nodes.flatMap((n) => n.sysctls.map((s) => s.key))),
    kernelModules: uniq(nodes.flatMap((n) => n.kernelModules.map((m) => m.name))),
    firewalldZones: uniq(nodes.flatMap((n) => (n.firewalld ? [n.firewalld.zone, n.firewalld.trustedZone] : []))),
  };
}
