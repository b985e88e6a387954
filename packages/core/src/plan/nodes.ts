/**
 * Checks of the `nodes:` section: unique DNS-1123 names, roles, ssh targets, interface
 * names and addresses (unique across the cluster, host-local bridges excepted); the node
 * networks are collected for the overlap checks.
 */
import { ipv4MappedAddress, ipv4MappedAlias, parseInterfaceAddress } from "../shared/cidr.js";
import { DNS1123_LABEL, HOST_NAME, INTERFACE_NAME, USER_NAME } from "../shared/names.js";
import { type Problems, show } from "../shared/problems.js";
import type { InterfaceConfig, NodeConfig } from "./options.js";
import type { Sourced } from "./overlaps.js";
import type { PlannedAddress, PlannedInterface, PlannedNode } from "./types.js";

/** Host-local bridges that carry the same default address on every host (Docker, libvirt, LXC, Podman). */
const LOCAL_BRIDGE = /^(docker[0-9]+|virbr[0-9]+|lxcbr[0-9]+|podman[0-9]+)$/;

/** A planned node before its pod subnets are allocated. */
export type NodeBase = Omit<PlannedNode, "podCidrs" | "podCidrList" | "subnetSource">;

/** What the node checks remember across nodes. */
interface NodeChecks {
  readonly p: Problems;
  /** Node name -> index of the node that has it. */
  readonly names: Map<string, number>;
  /** Address (or bridge@address) -> where it is used first. */
  readonly addresses: Map<string, { where: string; node: string }>;
  /** Node network -> its first place, for the overlap checks. */
  readonly ifaceNets: Map<string, Sourced>;
}

/** Checks every node and returns them as planned (without subnets); their networks go to `ifaceNets`. */
export function checkNodes(nodes: readonly NodeConfig[], p: Problems, ifaceNets: Map<string, Sourced>): NodeBase[] {
  const ctx: NodeChecks = { p, names: new Map(), addresses: new Map(), ifaceNets };
  return nodes.map((node, i) => checkNode(node, i, ctx));
}

function checkNode(node: NodeConfig, i: number, ctx: NodeChecks): NodeBase {
  const { p, names } = ctx;
  const base = `nodes[${i}]`;
  if (!DNS1123_LABEL.test(node.name)) {
    p.error(
      `${base}.name`,
      "node.name",
      `${base}.name: ${show(node.name)} is not a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters)`,
    );
  } else if (names.has(node.name)) {
    p.error(
      `${base}.name`,
      "node.name-duplicate",
      `${base}.name: "${node.name}" is already used by nodes[${names.get(node.name)}]; node names must be unique`,
    );
  } else {
    names.set(node.name, i);
  }
  const roles = new Set<string>();
  node.roles.forEach((role, r) => {
    if (roles.has(role))
      p.error(`${base}.roles[${r}]`, "node.role-duplicate", `${base}.roles[${r}]: "${role}" is listed twice for node "${node.name}"`);
    roles.add(role);
  });
  if (node.ssh) checkSsh(node.ssh, base, p);
  const ifNames = new Set<string>();
  const interfaces = node.interfaces.map((iface, k) => checkInterface(node, iface, `${base}.interfaces[${k}]`, ifNames, ctx));
  return {
    name: node.name,
    index: i,
    roles: node.roles,
    arch: node.arch,
    ...(node.ssh ? { ssh: node.ssh } : {}),
    interfaces,
  };
}

function checkSsh(ssh: NonNullable<NodeConfig["ssh"]>, base: string, p: Problems): void {
  if (!HOST_NAME.test(ssh.host)) {
    p.error(
      `${base}.ssh.host`,
      "node.ssh-host",
      `${base}.ssh.host: ${show(ssh.host)} is not a host name or IP address (letters, digits, ".", ":" and "-")`,
    );
  }
  if (!USER_NAME.test(ssh.user)) {
    p.error(
      `${base}.ssh.user`,
      "node.ssh-user",
      `${base}.ssh.user: ${show(ssh.user)} is not a valid user name (lowercase letters, digits, "_" and "-", starting with a letter or "_")`,
    );
  }
}

function checkInterface(node: NodeConfig, iface: InterfaceConfig, ipath: string, ifNames: Set<string>, ctx: NodeChecks): PlannedInterface {
  const { p } = ctx;
  if (!INTERFACE_NAME.test(iface.name) || iface.name === "." || iface.name === "..") {
    p.error(
      `${ipath}.name`,
      "interface.name",
      `${ipath}.name: ${show(iface.name)} is not a valid Linux interface name (1-15 characters: letters, digits, "_", "." and "-"; no "/", ":" or whitespace)`,
    );
  } else if (ifNames.has(iface.name)) {
    p.error(`${ipath}.name`, "interface.name-duplicate", `${ipath}.name: "${iface.name}" appears twice on node "${node.name}"`);
  }
  ifNames.add(iface.name);
  const addrs: PlannedAddress[] = [];
  iface.addresses.forEach((text, a) => {
    const addr = checkAddress(node, iface, text, ipath, `${ipath}.addresses[${a}]`, ctx);
    if (addr) addrs.push(addr);
  });
  return { name: iface.name, mtu: iface.mtu, defaultRoute: iface.defaultRoute ?? node.interfaces.length === 1, addresses: addrs };
}

function checkAddress(
  node: NodeConfig,
  iface: InterfaceConfig,
  text: string,
  ipath: string,
  apath: string,
  ctx: NodeChecks,
): PlannedAddress | undefined {
  const { p, addresses, ifaceNets } = ctx;
  const r = parseInterfaceAddress(text);
  if (!r.ok) {
    p.error(apath, "interface.address", `${apath}: ${show(text)} ${r.reason}; write it as address/prefix-length, e.g. "192.168.1.31/24"`);
    return undefined;
  }
  const v = r.value;
  const alias = ipv4MappedAlias(v.network);
  if (alias) {
    const ip = ipv4MappedAddress(v.family, v.value);
    p.error(
      apath,
      "interface.ipv4-mapped",
      `${apath}: ${show(text)} is an IPv4-mapped IPv6 address, an alias of the IPv4 network "${alias.text}"; write ${ip && alias.prefix > 0 ? `the IPv4 address "${ip}/${alias.prefix}"` : "the IPv4 address"} itself, or the interface's real IPv6 address`,
    );
  }
  // A host-local bridge (docker0, virbr0, ...) has the same address on every host by default:
  // it never leaves the node, so the same address on the same bridge name is no conflict.
  const key0 = LOCAL_BRIDGE.test(iface.name) ? `${iface.name}@${v.address}` : v.address;
  const prior = addresses.get(key0);
  const here = `${ipath} (node "${node.name}", ${iface.name})`;
  if (prior && !(LOCAL_BRIDGE.test(iface.name) && prior.node !== node.name)) {
    p.error(apath, "interface.address-duplicate", `${apath}: ${v.address} is also used by ${prior.where}; node addresses must be unique`);
  } else if (!prior) {
    addresses.set(key0, { where: here, node: node.name });
  }
  const key = v.network.text;
  const seen = ifaceNets.get(key);
  if (seen) seen.more++;
  else ifaceNets.set(key, { cidr: v.network, path: ipath, detail: `(node "${node.name}", ${iface.name})`, shown: text, more: 0 });
  return { family: v.family, address: v.address, network: v.network.text, cidr: `${v.address}/${v.network.prefix}` };
}
