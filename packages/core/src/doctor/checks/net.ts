/**
 * Doctor checks of the pod network itself: the node's subnet (flannel's
 * subnet.env), the interface and address the network uses, the overlay
 * devices and the routes to every other node's subnet.
 */

import type { PerFamily } from "../../plan/pod-cidr-plan.js";
import { type Cidr, contains, FAMILY_LABEL, type IpFamily, nthAddress, parseCidr, parseInterfaceAddress } from "../../shared/cidr.js";
import type { DiagnosisBuilder } from "../builder.js";
import { fileFact, type NodeFacts, type RouteFact } from "../facts.js";
import type { DiagnoseContext, ExpectedNodeState, ExpectedRoute } from "../model.js";

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
      continue;
    }
    const got = addr.value.network;
    observed[f] = got;
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
  }
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
  return { subnets: { ...state.subnets, ...observed }, observed: true, mtuMismatch };
}

/** Checks the interface and address the network uses; returns true when the interface MTU differs from the spec. */
export function checkAddress(expected: ExpectedNodeState, facts: NodeFacts, d: DiagnosisBuilder): boolean {
  const want = expected.publicAddresses ?? [];
  if (want.length === 0) return false;
  const check = "interface";
  if (!facts.addresses.ok) {
    d.cannot(check, facts.addresses.reason);
    return false;
  }
  if (!facts.links.ok) {
    d.cannot(check, facts.links.reason);
    return false;
  }
  d.ran(check);
  let mtuMismatch = false;
  const addrs = facts.addresses.value;
  const links = facts.links.value;
  const who = expected.network === "calico" ? "Calico's address autodetection" : "flannel";
  const seen = new Set<string>();
  for (const w of want) {
    const link = links.find((l) => l.name === w.interface);
    const onIt = addrs.some((a) => a.interface === w.interface && a.address === w.address);
    if (!onIt) {
      const elsewhere = addrs.filter((a) => a.address === w.address).map((a) => a.interface);
      if (elsewhere.length > 0) {
        d.find(
          check,
          "address.wrong-interface",
          `${w.address} on ${w.interface} (${w.path}), the interface ${who} uses`,
          `${w.address} is on ${elsewhere.join(", ")}${
            link
              ? `; ${w.interface} has ${
                  addrs
                    .filter((a) => a.interface === w.interface && a.family === w.family)
                    .map((a) => a.address)
                    .join(", ") || "no address"
                }`
              : `; there is no ${w.interface}`
          }`,
          `${who} will not find ${w.address} on ${w.interface} and advertise another address (or fail). Put ${w.address} back on ${w.interface}, or change ${w.path} and the interface selector in the spec to match the host, then restart the network daemon`,
        );
      } else if (!link) {
        d.find(
          check,
          "interface.missing",
          `interface ${w.interface} with ${w.address} (${w.path})`,
          `no interface ${w.interface}; interfaces: ${links.map((l) => l.name).join(", ")}`,
          `rename the interface in ${w.path} to the host's name, or fix the host's network configuration`,
        );
      } else {
        d.find(
          check,
          "address.missing",
          `${w.address} on ${w.interface} (${w.path})`,
          `${w.interface} has ${
            addrs
              .filter((a) => a.interface === w.interface && a.family === w.family)
              .map((a) => `${a.address}/${a.prefix}`)
              .join(", ") || `no ${FAMILY_LABEL[w.family]} address`
          }`,
          `add ${w.address} to ${w.interface} or correct ${w.path}`,
        );
      }
    }
    if (!link || seen.has(link.name)) continue;
    seen.add(link.name);
    if (!link.up)
      d.find(
        check,
        "interface.down",
        `${link.name} up`,
        `${link.name} is down`,
        `ip link set dev ${link.name} up, and fix the host's network configuration so it comes up at boot`,
      );
    if (w.mtu !== undefined && link.mtu !== w.mtu) {
      mtuMismatch = true;
      d.find(
        check,
        "interface.mtu",
        `${link.name} MTU ${w.mtu} (${w.path}.mtu)`,
        `${link.name} MTU ${link.mtu}`,
        `the pod and overlay MTUs are computed from ${w.path}.mtu: set it to ${link.mtu} in the spec and apply again, or set the host's MTU to ${w.mtu} (ip link set dev ${link.name} mtu ${w.mtu}, and in the host's network configuration)`,
      );
    }
  }
  return mtuMismatch;
}

function restartHint(expected: ExpectedNodeState): string {
  if (expected.network === "calico")
    return "calico-node creates it: check the calico-node pod on this node (kubectl -n calico-system logs, or kube-system on the manifest path)";
  return expected.flannel?.datastore === "etcd"
    ? "flanneld creates it at start: check systemctl status flanneld and journalctl -u flanneld"
    : "flanneld creates it at start: check the kube-flannel pod on this node (kubectl -n kube-flannel logs)";
}

export function checkDevices(expected: ExpectedNodeState, facts: NodeFacts, state: SubnetState, d: DiagnosisBuilder): void {
  if (expected.devices.length === 0) return;
  const check = "overlay";
  if (!facts.links.ok) {
    d.cannot(check, facts.links.reason);
    return;
  }
  d.ran(check);
  const links = facts.links.value;
  for (const dev of expected.devices) {
    const link = links.find((l) => l.name === dev.name);
    if (!link) {
      d.find(
        check,
        "overlay.missing",
        `${dev.kind} device ${dev.name} (${dev.purpose})`,
        `no ${dev.name}; links: ${links.map((l) => l.name).join(", ") || "none"}`,
        restartHint(expected),
      );
      continue;
    }
    if (link.kind !== undefined && link.kind !== dev.kind) {
      d.find(
        check,
        "overlay.kind",
        `${dev.name} of kind ${dev.kind}`,
        `${dev.name} is a ${link.kind} device`,
        `another tool created ${dev.name}: delete it (ip link del ${dev.name}) and restart the network daemon so it creates the right one`,
      );
      continue;
    }
    if (link.vxlan) {
      if (dev.vni !== undefined && link.vxlan.id !== undefined && link.vxlan.id !== dev.vni) {
        d.find(
          check,
          "overlay.vni",
          `${dev.name} with VNI ${dev.vni}`,
          `VNI ${link.vxlan.id}`,
          `nodes on different VNIs cannot reach each other: the device is from an older config; ip link del ${dev.name} and restart the network daemon`,
        );
      }
      if (dev.port !== undefined && link.vxlan.port !== undefined && link.vxlan.port !== dev.port) {
        d.find(
          check,
          "overlay.port",
          `${dev.name} on UDP port ${dev.port}`,
          `UDP port ${link.vxlan.port}`,
          `the firewall opens ${dev.port}; ip link del ${dev.name} and restart the network daemon so it uses the configured port`,
        );
      }
      const u = dev.underlay;
      if (
        u &&
        ((link.vxlan.link !== undefined && link.vxlan.link !== u.interface) ||
          (u.address !== undefined && link.vxlan.local !== undefined && link.vxlan.local !== u.address))
      ) {
        d.find(
          check,
          "overlay.underlay",
          `${dev.name} sending from ${u.address ?? "?"} on ${u.interface}`,
          `${dev.name} sends from ${link.vxlan.local ?? "?"} on ${link.vxlan.link ?? "?"}`,
          `flannel picked another interface than the spec: check the iface selector (flannel.iface / ifaceRegex) and ${expected.publicAddresses?.[0]?.path ?? "the node's interfaces"}, then restart flanneld`,
        );
      }
    }
    if (dev.mtu !== undefined && link.mtu !== dev.mtu && !state.mtuMismatch) {
      d.find(
        check,
        "overlay.mtu",
        `${dev.name} MTU ${dev.mtu} (${dev.purpose}: the interface MTU minus the encapsulation overhead)`,
        `${dev.name} MTU ${link.mtu}`,
        `packets of pods near the link MTU are dropped or fragmented: ip link set dev ${dev.name} mtu ${dev.mtu} now, and restart the network daemon so it configures it itself; if the interface MTU changed, update nodes[${expected.index}].interfaces in the spec first`,
      );
    } else if (dev.maxMtu !== undefined && link.mtu > dev.maxMtu && !state.mtuMismatch) {
      d.find(
        check,
        "overlay.mtu",
        `${dev.name} MTU at most ${dev.maxMtu} (the interface MTU minus the encapsulation overhead)`,
        `${dev.name} MTU ${link.mtu}`,
        `set the Calico MTU (calico.mtu) to at most ${dev.maxMtu}, or leave it to auto-detection and restart calico-node`,
      );
    }
    if (!link.up)
      d.find(check, "overlay.down", `${dev.name} up`, `${dev.name} is down`, `ip link set dev ${dev.name} up; ${restartHint(expected)}`);
    if (dev.holdsSubnetAddress && dev.family && facts.addresses.ok) {
      const sub = state.subnets[dev.family];
      if (sub) {
        const want = nthAddress(sub, 0n);
        const has = facts.addresses.value.filter((a) => a.interface === dev.name && a.family === dev.family);
        if (!has.some((a) => a.address === want)) {
          d.find(
            check,
            "overlay.address",
            `${want}/${dev.family === "ipv4" ? 32 : 128} on ${dev.name} (the network address of the node's subnet ${sub.text})`,
            has.length > 0
              ? `${dev.name} has ${has.map((a) => `${a.address}/${a.prefix}`).join(", ")}`
              : `${dev.name} has no ${FAMILY_LABEL[dev.family]} address`,
            `the device keeps an address of an old lease ("link has incompatible addresses", flannel issue 1060): ip link del ${dev.name} and restart flanneld`,
          );
        }
      }
    }
  }
}

/** The route the kernel uses for a block: longest prefix that contains it. */
export function lookupRoute(routes: readonly RouteFact[], block: Cidr): RouteFact | undefined {
  let best: RouteFact | undefined;
  for (const r of routes) {
    if (r.type === "local" || r.type === "broadcast" || r.type === "multicast" || r.type === "anycast") continue;
    if (!contains(r.dst, block)) continue;
    if (!best || r.dst.prefix > best.dst.prefix) best = r;
  }
  return best;
}

function routeText(r: ExpectedRoute, subnet: Cidr): string {
  const gw = r.gateway === "subnet" ? nthAddress(subnet, 0n) : r.gateway === "peer" ? r.peerAddress : undefined;
  return `${subnet.text}${gw ? ` via ${gw}` : ""} dev ${r.device}${r.gateway === "subnet" || (r.gateway === "peer" && r.device.startsWith("flannel")) ? " onlink" : ""}`;
}

/** Per family, the device packets to another node's pods leave through (for the masquerade probes). */
export type RouteState = Partial<Record<IpFamily, { readonly peer: Cidr; readonly device?: string }>>;

export function checkRoutes(expected: ExpectedNodeState, facts: NodeFacts, context: DiagnoseContext, d: DiagnosisBuilder): RouteState {
  const out: RouteState = {};
  if (expected.routes.length === 0) return out;
  const check = "routes";
  const unknown = new Set<string>();
  for (const r of expected.routes) {
    const observed = context.peerSubnets?.[r.peer]?.[r.family];
    if (r.predicted && observed === undefined) {
      // Only a prediction of the peer's subnet: a route judged against it would be a false alarm.
      unknown.add(r.peer);
      continue;
    }
    const parsed = parseCidr(observed ?? r.subnet);
    if (!parsed.ok) continue;
    const subnet = parsed.value;
    const routes = facts.routes[r.family];
    if (!routes.ok) {
      d.cannot(check, routes.reason);
      continue;
    }
    d.ran(check);
    const used = lookupRoute(routes.value, subnet);
    out[r.family] ??= { peer: subnet, ...(used?.device ? { device: used.device } : {}) };
    const gw = r.gateway === "subnet" ? nthAddress(subnet, 0n) : r.gateway === "peer" ? r.peerAddress : undefined;
    const fits = (x: RouteFact | undefined) =>
      !!x && x.type === "unicast" && x.device === r.device && (gw === undefined || x.gateway === gw);
    // A more specific route inside the subnet (a blackhole, another device) takes part of it away.
    const inside = routes.value.find(
      (x) =>
        x !== used && contains(subnet, x.dst) && x.dst.prefix > subnet.prefix && !fits(x) && x.type !== "local" && x.type !== "broadcast",
    );
    if (fits(used) && !inside) continue;
    const shown = fits(used) ? inside : used;
    const exact = routes.value.find((x) => x.dst.text === subnet.text);
    const peer = `node "${r.peer}"'s ${FAMILY_LABEL[r.family]} subnet${observed && observed !== r.subnet ? ` (it holds ${observed}, the plan says ${r.subnet})` : ""}`;
    d.find(
      check,
      exact ? "route.wrong" : "route.missing",
      `${routeText(r, subnet)} (${peer}; ${r.why})`,
      shown ? `packets to ${shown === used ? subnet.text : shown.dst.text} take "${shown.text}"` : `no route to ${subnet.text}`,
      `${expected.network === "flannel" ? `flanneld adds this route when it sees node "${r.peer}"'s lease: check flanneld runs on both nodes and restart it on node "${expected.node}"` : "the network daemon adds it"}; by hand: ip route replace ${routeText(r, subnet)}`,
    );
  }
  if (unknown.size > 0) {
    const names = [...unknown].map((n) => `"${n}"`).join(", ");
    d.inform(
      check,
      "routes.peer-unknown",
      `routes to the subnets of ${names}`,
      "not checked: kube-controller-manager assigns those subnets at registration and they were not read (the node was not checked, or could not be reached)",
      "check all nodes in one run, or give doctor the Node objects: --kube, --kubeconfig FILE or --nodes-json FILE",
    );
  }
  return out;
}
