/**
 * NodeNetworkPrep: the host preparation that follows from the network chosen.
 * From the PodCidrPlan (nodes, roles, families, CIDRs) and the network
 * components' HostRequirements it derives, per node, the node-layer units for
 * kernel modules, sysctls, NetworkManager, firewalld, the CNI reference
 * plugins and (optionally) swap; the node layer renders them as idempotent
 * install/uninstall scripts.
 */

import type { ComponentArtifacts } from "../component/contract.js";
import type { NodeState, NodeUnit } from "../host/node-state.js";
import type { HostRequirements } from "../host/requirements.js";
import type { CidrPlan } from "../plan/index.js";
import { joinPath, type Problems } from "../shared/problems.js";
import { type Checked, checkWith, type Planned, plannedOf } from "../shared/result.js";
import { checkFirewallOptions, checkRequirements, type PrepPath } from "./checks.js";
import { type CniRelease, cniPluginsUnit, cniRelease } from "./cni-plugins.js";
import { type FirewallSetup, firewalldUnit, firewallSetup, masqueradeReason, warnFirewallNone } from "./firewall.js";
import { type FirewalldPlan, firewalldPlan, openingsText } from "./firewalld.js";
import { kernelModules, sysctlSettings } from "./kernel.js";
import { type NodeNetworkPrepConfig, type NodeNetworkPrepOptions, nodeNetworkPrepSchema } from "./options.js";
import { type KernelModuleNeed, modulesUnit, networkManagerUnit, type SysctlSetting, swapUnit, sysctlUnit } from "./units.js";

/** One node's preparation: its units in apply order and, with firewalld, what its firewall holds. */
export interface NodePrep {
  readonly node: string;
  readonly roles: readonly string[];
  readonly arch: string;
  /** The node's units, in apply order. */
  readonly state: NodeState;
  /** What firewalld should hold (when `firewall: firewalld`). */
  readonly firewall?: FirewalldPlan;
}

/** The planned preparation of every node, with the parts the front ends show or apply themselves. */
export interface NodeNetworkPrepResult {
  /** Options with defaults applied. */
  readonly options: NodeNetworkPrepConfig;
  readonly nodes: readonly NodePrep[];
  readonly kernelModules: readonly KernelModuleNeed[];
  readonly sysctl: readonly SysctlSetting[];
  /** NetworkManager `interface-name:` patterns left unmanaged (empty when not written). */
  readonly unmanagedDevices: readonly string[];
  /** The units that are the same on every node (modules, sysctl, NetworkManager): what the cdk8s DaemonSet applies. */
  readonly commonUnits: readonly NodeUnit[];
  /** Non-secret facts for plan.json. */
  readonly summary: Readonly<Record<string, unknown>>;
}

/** What NodeNetworkPrep plans from: the plan, the `prep:` options and the components' host needs. */
export interface NodeNetworkPrepInput {
  readonly plan: CidrPlan;
  /** @default {} (all defaults) */
  readonly options?: NodeNetworkPrepOptions;
  /** What the network components need from the hosts. @default [] (base Kubernetes needs only) */
  readonly hostRequirements?: readonly HostRequirements[];
  /** Scope of the node states (see NodeState.scope). @default "default" */
  readonly scope?: string;
}

/** Where the section's problems are reported: under the spec's `prep` key. */
const PREP_PATH = "prep";

/** Validates and plans; returns the problems instead of throwing. */
export function checkNodeNetworkPrep(input: NodeNetworkPrepInput): Checked<NodeNetworkPrepResult> {
  return checkWith(nodeNetworkPrepSchema, input.options ?? {}, [PREP_PATH], (config, p) => build(input, config, PREP_PATH, p));
}

/** Validates and plans; throws one NetworkPlanError with every problem. */
export function planNodeNetworkPrep(input: NodeNetworkPrepInput): Planned<NodeNetworkPrepResult> {
  return plannedOf(checkNodeNetworkPrep(input));
}

/** Checks everything (problems in spec order) and derives the prep; undefined after an error. */
function build(input: NodeNetworkPrepInput, o: NodeNetworkPrepConfig, base: string, p: Problems): NodeNetworkPrepResult | undefined {
  const plan = input.plan;
  const reqs = input.hostRequirements ?? [];
  const at: PrepPath = (...segs) => joinPath([base, ...segs]);
  checkRequirements(reqs, p);
  checkFirewallOptions(o, at, p);
  const modules = kernelModules(o, reqs, at, p);
  const sysctl = sysctlSettings(o, plan.families, at, p);
  const nmDevices = o.networkManager === false ? [] : [...new Set(reqs.flatMap((r) => r.unmanagedDevices))];
  const cni = cniRelease(o, plan.nodes, at, p);
  const firewall = firewallSetup(o, reqs, plan);

  if (!p.ok) return undefined;

  if (reqs.length === 0) {
    p.warn(
      base,
      "prep.no-network",
      `${base}: no network component (flannel, calico) in the spec; host preparation covers the Kubernetes base needs only`,
    );
  }
  if (o.firewall === "none") warnFirewallNone(firewall, at, p);

  const commonUnits: NodeUnit[] = [modulesUnit([...modules].map(([name, reason]) => ({ name, reason }))), sysctlUnit(sysctl)];
  if (nmDevices.length > 0) commonUnits.push(networkManagerUnit(nmDevices, o.networkManager === true));
  const nodes = nodePreps(input, o, commonUnits, firewall, cni);
  return {
    options: o,
    nodes,
    kernelModules: [...modules].map(([name, reason]) => ({ name, reason })),
    sysctl,
    unmanagedDevices: nmDevices,
    commonUnits,
    summary: prepSummary(o, { modules, sysctl, nmDevices, cni, firewall, nodes }, at),
  };
}

/** Each node's units in apply order: the common ones, then firewalld, the CNI plugins and swap. */
function nodePreps(
  input: NodeNetworkPrepInput,
  o: NodeNetworkPrepConfig,
  commonUnits: readonly NodeUnit[],
  firewall: FirewallSetup,
  cni: CniRelease | undefined,
): NodePrep[] {
  return input.plan.nodes.map((n) => {
    const units: NodeUnit[] = [...commonUnits];
    let fw: FirewalldPlan | undefined;
    if (o.firewall === "firewalld") {
      fw = firewalldPlan({
        zone: o.zone,
        trustedZone: o.trustedZone,
        masquerade: firewall.masquerade,
        needs: firewall.needs,
        roles: n.roles,
        sources: firewall.sources,
        interfaces: firewall.trustedInterfaces,
      });
      units.push(firewalldUnit(fw));
    }
    if (cni) units.push(cniPluginsUnit(cni, n.arch, o.cniBinDir));
    if (o.swapOff) units.push(swapUnit());
    return {
      node: n.name,
      roles: n.roles,
      arch: n.arch,
      state: { node: n.name, units, ...(input.scope !== undefined ? { scope: input.scope } : {}) },
      ...(fw ? { firewall: fw } : {}),
    };
  });
}

/** What the summary is made of. */
interface PrepParts {
  readonly modules: ReadonlyMap<string, string>;
  readonly sysctl: readonly SysctlSetting[];
  readonly nmDevices: readonly string[];
  readonly cni: CniRelease | undefined;
  readonly firewall: FirewallSetup;
  readonly nodes: readonly NodePrep[];
}

/** The non-secret facts for plan.json. */
function prepSummary(o: NodeNetworkPrepConfig, parts: PrepParts, at: PrepPath): Readonly<Record<string, unknown>> {
  const { modules, sysctl, nmDevices, cni, firewall, nodes } = parts;
  return {
    firewall: o.firewall,
    ...(o.firewall === "firewalld"
      ? { masquerade: { zone: o.zone, enabled: firewall.masquerade, by: masqueradeReason(o, firewall, at) } }
      : {}),
    kernelModules: [...modules.keys()],
    sysctl: Object.fromEntries(sysctl.map((s) => [s.key, s.value])),
    networkManagerUnmanaged: nmDevices,
    cniPlugins: cni ? { version: cni.version, plugins: cni.plugins, binDir: o.cniBinDir } : false,
    swapOff: o.swapOff,
    nodes: Object.fromEntries(
      nodes.map((n) => [
        n.node,
        {
          units: n.state.units.map((u) => u.id),
          ...(n.firewall ? { firewall: { zone: n.firewall.zone, openings: openingsText(n.firewall) } } : {}),
        },
      ]),
    ),
  };
}

/**
 * The spec's `prep:` section as a bundle component: runs after the network
 * components and consumes their host requirements (spec/bundle.ts).
 */
export function prepComponent(
  options: NodeNetworkPrepOptions,
  plan: CidrPlan,
  p: Problems,
  hostRequirements: readonly HostRequirements[],
): ComponentArtifacts | undefined {
  const r = checkNodeNetworkPrep({ plan, options, hostRequirements });
  p.merge(r);
  if (!r.value) return undefined;
  return {
    nodeUnits: Object.fromEntries(r.value.nodes.map((n) => [n.node, n.state.units])),
    summary: { prep: r.value.summary },
  };
}
