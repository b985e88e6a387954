/**
 * FlannelNetwork checks that need no node inventory (options against the
 * plan and the release) and the per-node checks on the selected interfaces
 * (pod MTU, unique addresses, host-gw adjacency). Every problem names the
 * option, the value, the rule and the fix.
 */

import { isLabelKey, isLabelValue } from "../calico/selector.js";
import { type CidrPlan, DNS1123_LABEL, DNS1123_SUBDOMAIN } from "../plan/pod-cidr-plan.js";
import { FAMILY_LABEL, type IpFamily, parseCidr } from "../shared/cidr.js";
import { type Problems, show } from "../shared/problems.js";
import { checkFlanneldExtraArgs } from "./args.js";
import {
  FLANNEL_BACKEND_JSON_KEYS,
  FLANNEL_BACKEND_KEYS,
  FLANNEL_BACKEND_OVERHEAD,
  FLANNEL_DISCOURAGED_BACKENDS,
  FLANNEL_DUAL_STACK_BACKENDS,
  VXLAN_VNI_MAX,
} from "./backend.js";
import { flanneldCertificateSpec } from "./certs.js";
import type { FlannelNodeInterface } from "./interfaces.js";
import type { FlannelBackendConfig, FlannelNetworkConfig } from "./options.js";
import type { FlannelVersionInfo } from "./versions.js";

/** IPv6 links carry at least 1280 bytes (RFC 8200 §5). */
export const IPV6_MIN_MTU = 1280;
/** Every IPv4 link carries at least 68 bytes (RFC 791). */
export const IPV4_MIN_MTU = 68;

/** A WireGuard key: 32 bytes in standard base64 (44 characters, one "=" of padding). */
export const WIREGUARD_KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

/** Container image reference: [host[:port]/]path[:tag][@sha256:digest] (lowercase path, as the distribution spec requires). */
export const IMAGE_REFERENCE =
  /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
/** A registry and optional path prefix: `registry.example.com:5000/mirror/flannel-io`. */
export const IMAGE_REGISTRY = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]{1,5})?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*\/?$/;
/** Kubernetes resource quantity (the plain forms: "100m", "50Mi", "1.5", "2G"). */
export const QUANTITY = /^[0-9]+(?:\.[0-9]+)?(?:m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
/** Kubernetes label name part and value (63 characters, alphanumeric ends). */
const LABEL_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/;
/** Absolute host path without spaces, quotes or `..`. */
const HOST_DIR = /^\/(?!.*(?:^|\/)\.\.(?:\/|$))[A-Za-z0-9_.+@:/-]*$/;

/** Labels podnet sets and selects on; users may not change them. */
export const FLANNEL_RESERVED_LABELS: readonly string[] = ["app", "tier", "k8s-app", "pod-security.kubernetes.io/enforce"];

/**
 * Host ports on every Kubernetes node that the flannel healthz port (host
 * network) must not take.
 * @see https://kubernetes.io/docs/reference/networking/ports-and-protocols/
 */
export const KUBERNETES_HOST_PORTS: Readonly<Record<number, string>> = {
  2379: "etcd client",
  2380: "etcd peer",
  6443: "kube-apiserver",
  10248: "kubelet healthz",
  10249: "kube-proxy metrics",
  10250: "kubelet API",
  10256: "kube-proxy healthz",
  10257: "kube-controller-manager",
  10259: "kube-scheduler",
};

function labelKeyOk(key: string): boolean {
  const slash = key.lastIndexOf("/");
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  return LABEL_NAME.test(name) && (prefix === undefined || DNS1123_SUBDOMAIN.test(prefix));
}

function checkPort(value: number | undefined, at: string, what: string, p: Problems, allowZero = false): void {
  if (value === undefined) return;
  if (value < (allowZero ? 0 : 1) || value > 65535) {
    p.error(at, "flannel.port-range", `${at}: ${value} is not a valid ${what}; use 1..65535${allowZero ? " (or 0 to turn it off)" : ""}`);
  }
}

/** Checks `network`/`ipv6Network` against the plan and that every node has its pod subnets. */
function checkNetworks(c: FlannelNetworkConfig, plan: CidrPlan, base: string, p: Problems): void {
  const kcm = plan.flags.kubeControllerManager;
  if (kcm["allocate-node-cidrs"] !== "true") {
    p.error(
      `${base}.mode`,
      "flannel.allocate-node-cidrs",
      `${base}.mode: "${c.mode}" uses flannel's kube subnet manager, which takes each node's subnet from spec.podCIDR, but the plan's kube-controller-manager --allocate-node-cidrs is ${show(kcm["allocate-node-cidrs"] ?? "unset")}; flanneld would stop with "pod cidr not assigned"; set --allocate-node-cidrs=true`,
    );
  }
  const given: Array<[IpFamily, string | undefined, string]> = [
    ["ipv4", c.network, `${base}.network`],
    ["ipv6", c.ipv6Network, `${base}.ipv6Network`],
  ];
  for (const [family, text, at] of given) {
    if (text === undefined) continue;
    const r = parseCidr(text);
    const planned = plan.podCidr[family];
    const index = plan.podCidrs.indexOf(planned ?? "");
    if (!r.ok) {
      p.error(
        at,
        "flannel.network-invalid",
        `${at}: ${show(text)} ${r.reason}; ${
          planned
            ? `it must equal the plan's ${FAMILY_LABEL[family]} pod CIDR "${planned}"`
            : r.suggestion
              ? `did you mean "${r.suggestion}"?`
              : 'write it as address/prefix-length, e.g. "10.244.0.0/16"'
        }`,
      );
    } else if (r.value.family !== family) {
      p.error(
        at,
        "flannel.network-family",
        `${at}: "${r.value.text}" is ${FAMILY_LABEL[r.value.family]}; ${at} takes the ${FAMILY_LABEL[family]} network`,
      );
    } else if (!planned) {
      p.error(
        at,
        "flannel.network-family-missing",
        `${at}: "${r.value.text}" is ${FAMILY_LABEL[family]} but cluster.podCidrs has no ${FAMILY_LABEL[family]} CIDR; add it to cluster.podCidrs (flannel takes its networks from the plan) or remove ${at}`,
      );
    } else if (r.value.text !== planned) {
      p.error(
        at,
        "flannel.network-mismatch",
        `${at}: "${r.value.text}" differs from cluster.podCidrs[${index}] "${planned}" (kube-controller-manager --cluster-cidr); flannel's Network must equal the cluster CIDR or node subnets fall outside it; remove ${at} (podnet takes it from the plan) or set it to "${planned}"`,
      );
    }
  }
  const networks = new Map(plan.families.map((f) => [f, plan.podCidr[f] !== undefined ? parseCidr(plan.podCidr[f] ?? "") : undefined]));
  for (const node of plan.nodes) {
    for (const family of plan.families) {
      const sub = node.podCidrs[family];
      const net = plan.podCidr[family];
      const subC = sub !== undefined ? parseCidr(sub) : undefined;
      const netC = networks.get(family);
      if (!subC?.ok) {
        p.error(
          `nodes[${node.index}]`,
          "flannel.node-pod-cidr",
          `nodes[${node.index}]: node "${node.name}" has no ${FAMILY_LABEL[family]} pod subnet in the plan; flanneld would stop with "pod cidr not assigned"; let the plan allocate it or pin one in nodes[${node.index}].podCidrs`,
        );
      } else if (netC?.ok && !(netC.value.first <= subC.value.first && subC.value.last <= netC.value.last)) {
        p.error(
          `nodes[${node.index}]`,
          "flannel.node-pod-cidr-outside",
          `nodes[${node.index}]: pod subnet "${sub}" of node "${node.name}" is outside flannel's Network "${net}"; flanneld would refuse the node's PodCIDR; pin a subnet of "${net}"`,
        );
      }
    }
  }
  if (c.mode === "daemonset") {
    for (const key of ["subnetLen", "subnetMin", "subnetMax", "ipv6SubnetLen", "ipv6SubnetMin", "ipv6SubnetMax"] as const) {
      if (c[key] !== undefined) {
        p.warn(
          `${base}.${key}`,
          "flannel.subnet-ignored",
          `${base}.${key}: ${show(c[key])} is ignored in mode "daemonset": the kube subnet manager gives each node its spec.podCIDR (cluster.nodeMaskSize); remove it, or use mode "systemd" with etcd`,
        );
      }
    }
  }
}

function checkBackend(b: FlannelBackendConfig, info: FlannelVersionInfo | undefined, plan: CidrPlan, base: string, p: Problems): void {
  const at = `${base}.backend`;
  const allowed = FLANNEL_BACKEND_KEYS[b.type];
  for (const key of Object.keys(FLANNEL_BACKEND_JSON_KEYS) as Array<keyof typeof FLANNEL_BACKEND_JSON_KEYS>) {
    if (b[key] === undefined || allowed.includes(key)) continue;
    const owners = (Object.keys(FLANNEL_BACKEND_KEYS) as Array<keyof typeof FLANNEL_BACKEND_KEYS>).filter((t) =>
      FLANNEL_BACKEND_KEYS[t].includes(key),
    );
    p.error(
      `${at}.${key}`,
      "flannel.backend-key",
      `${at}.${key}: applies only to backend type ${owners.map((o) => `"${o}"`).join(" or ")}, but ${at}.type is "${b.type}"; remove it`,
    );
  }
  const ipv6 = plan.families.includes("ipv6");
  if (ipv6 && !FLANNEL_DUAL_STACK_BACKENDS.includes(b.type)) {
    p.error(
      `${at}.type`,
      "flannel.backend-ipv6",
      `${at}.type: "${b.type}" carries IPv4 only, but cluster.podCidrs has an IPv6 CIDR (${plan.dualStack ? "dual-stack" : "IPv6-only"}); use "vxlan", "wireguard" or "host-gw"`,
    );
  }
  const discouraged = FLANNEL_DISCOURAGED_BACKENDS[b.type];
  if (discouraged) p.warn(`${at}.type`, "flannel.backend-discouraged", `${at}.type: "${b.type}" ${discouraged}`);
  if (b.vni !== undefined && (b.vni < 1 || b.vni > VXLAN_VNI_MAX)) {
    p.error(
      `${at}.vni`,
      "flannel.vni-range",
      `${at}.vni: ${b.vni} is not a VXLAN network identifier; VNIs are 24-bit, use 1..${VXLAN_VNI_MAX}`,
    );
  }
  checkPort(b.port, `${at}.port`, `UDP port for the ${b.type} backend`, p);
  checkPort(b.listenPort, `${at}.listenPort`, "WireGuard UDP port", p);
  checkPort(b.listenPortV6, `${at}.listenPortV6`, "WireGuard UDP port", p);
  if (b.type === "wireguard") {
    const v4 = b.listenPort ?? 51820;
    const v6 = b.listenPortV6 ?? 51821;
    if (v4 === v6) {
      p.error(
        `${at}.listenPortV6`,
        "flannel.port-conflict",
        `${at}.listenPortV6: ${v6} is also ${at}.listenPort${b.listenPort === undefined ? " (default 51820)" : ""}; the IPv4 and IPv6 WireGuard devices each bind their own UDP port; pick two different ports`,
      );
    }
  }
  if (b.psk !== undefined && !WIREGUARD_KEY.test(b.psk)) {
    // Never echo the key: it is a secret.
    p.error(
      `${at}.psk`,
      "flannel.psk-format",
      `${at}.psk: is not a WireGuard key (32 bytes in base64: 44 characters ending in "="; the value is not shown because it is secret); generate one with "wg genpsk"`,
    );
  }
  if (b.mode !== undefined) {
    if (info && !info.wireguardMode) {
      p.error(
        `${at}.mode`,
        "flannel.version-feature",
        `${at}.mode: flannel ${info.version} has no wireguard Mode (v0.21.0+); remove it or use a newer version`,
      );
    }
    const need: IpFamily | undefined = b.mode === "ipv4" ? "ipv4" : b.mode === "ipv6" ? "ipv6" : undefined;
    if (need && !plan.families.includes(need)) {
      p.error(
        `${at}.mode`,
        "flannel.wireguard-mode",
        `${at}.mode: "${b.mode}" tunnels over ${FAMILY_LABEL[need]}, but cluster.podCidrs has no ${FAMILY_LABEL[need]} CIDR; use "separate" (the default)`,
      );
    }
  }
  if (b.persistentKeepaliveInterval !== undefined && (b.persistentKeepaliveInterval < 0 || b.persistentKeepaliveInterval > 65535)) {
    p.error(
      `${at}.persistentKeepaliveInterval`,
      "flannel.keepalive-range",
      `${at}.persistentKeepaliveInterval: ${b.persistentKeepaliveInterval} is out of range; WireGuard keepalives are 0..65535 seconds (0 = off)`,
    );
  }
  if (b.mtu !== undefined) {
    if (b.mtu < IPV4_MIN_MTU || b.mtu > 65535) {
      p.error(`${at}.mtu`, "flannel.mtu-range", `${at}.mtu: ${b.mtu} is not a link MTU; use ${IPV4_MIN_MTU}..65535`);
    } else if (info && !info.backendMtu) {
      p.error(
        `${at}.mtu`,
        "flannel.version-feature",
        `${at}.mtu: flannel ${info.version} has no backend MTU setting (v0.21.3+); remove it or use a newer version`,
      );
    }
  }
}

/** Checks everything that does not depend on the selected interfaces. */
export function checkFlannelConfig(
  c: FlannelNetworkConfig,
  plan: CidrPlan,
  info: FlannelVersionInfo | undefined,
  base: string,
  p: Problems,
): void {
  checkNetworks(c, plan, base, p);
  checkBackend(c.backend, info, plan, base, p);
  // The certificate section is Pulumi's recipe, but every front end checks it the same way.
  if (c.mode === "systemd" && c.systemd) flanneldCertificateSpec(c.systemd.certificate, `${base}.systemd.certificate`, p);
  if (c.enableNFTables && info && !info.nftables) {
    p.error(
      `${base}.enableNFTables`,
      "flannel.version-feature",
      `${base}.enableNFTables: flannel ${info.version} has no nftables mode (v0.25.0+); remove it or use a newer version`,
    );
  }
  checkPort(c.healthzPort, `${base}.healthzPort`, "healthz TCP port", p, true);
  const hostPort = c.healthzPort !== undefined ? KUBERNETES_HOST_PORTS[c.healthzPort] : undefined;
  if (hostPort) {
    p.error(
      `${base}.healthzPort`,
      "flannel.healthz-port-taken",
      `${base}.healthzPort: ${c.healthzPort} is the ${hostPort} port on every node; flanneld runs in the host network and could not bind it; pick a free port such as 8081 (upstream's)`,
    );
  }
  checkFlanneldExtraArgs(c.extraArgs, `${base}.extraArgs`, p);

  if (c.imageRegistry !== undefined && !IMAGE_REGISTRY.test(c.imageRegistry)) {
    p.error(
      `${base}.imageRegistry`,
      "flannel.image-registry",
      `${base}.imageRegistry: ${show(c.imageRegistry)} is not a registry with an optional path (lowercase host[:port][/path], e.g. "registry.example.com:5000/flannel-io")`,
    );
  }
  for (const key of ["flannel", "cniPlugin"] as const) {
    const ref = c.images?.[key];
    if (ref !== undefined && !IMAGE_REFERENCE.test(ref)) {
      p.error(
        `${base}.images.${key}`,
        "flannel.image",
        `${base}.images.${key}: ${show(ref)} is not an image reference ([host[:port]/]path[:tag][@sha256:digest], lowercase path), e.g. "registry.example.com/flannel-io/flannel:v0.28.9"`,
      );
    }
  }
  c.imagePullSecrets.forEach((name, i) => {
    if (!DNS1123_SUBDOMAIN.test(name)) {
      p.error(
        `${base}.imagePullSecrets[${i}]`,
        "flannel.k8s-name",
        `${base}.imagePullSecrets[${i}]: ${show(name)} is not a Secret name (DNS-1123 subdomain)`,
      );
    }
  });
  if (c.namespace !== undefined && !DNS1123_LABEL.test(c.namespace)) {
    p.error(
      `${base}.namespace`,
      "flannel.k8s-name",
      `${base}.namespace: ${show(c.namespace)} is not a namespace name (DNS-1123 label: lowercase letters, digits and "-")`,
    );
  }
  for (const [key, value] of Object.entries(c.labels)) {
    const at = `${base}.labels.${key}`;
    if (!labelKeyOk(key))
      p.error(
        at,
        "flannel.label",
        `${at}: ${show(key)} is not a label key ([prefix/]name, name of up to 63 letters, digits, "-", "_", ".")`,
      );
    else if (FLANNEL_RESERVED_LABELS.includes(key)) {
      p.error(at, "flannel.label-reserved", `${at}: "${key}" is set by podnet (pod selector and pod-security labels); pick another key`);
    }
    if (value !== "" && !LABEL_NAME.test(value))
      p.error(
        at,
        "flannel.label",
        `${at}: ${show(value)} is not a label value (up to 63 letters, digits, "-", "_", ".", alphanumeric at both ends)`,
      );
  }
  for (const [key, value] of Object.entries(c.nodeSelector)) {
    const at = `${base}.nodeSelector.${key}`;
    if (!labelKeyOk(key))
      p.error(
        at,
        "flannel.label",
        `${at}: ${show(key)} is not a label key ([prefix/]name: optional DNS-1123 subdomain and "/", then up to 63 letters, digits, "-", "_", ".", alphanumeric at both ends); the API server rejects the DaemonSet, e.g. "node-role.kubernetes.io/worker"`,
      );
    if (value !== "" && !LABEL_NAME.test(value))
      p.error(
        at,
        "flannel.label",
        `${at}: ${show(value)} is not a label value (up to 63 letters, digits, "-", "_", ".", alphanumeric at both ends, or empty); the API server rejects the DaemonSet`,
      );
  }
  for (const kind of ["requests", "limits"] as const) {
    for (const res of ["cpu", "memory"] as const) {
      const q = c.resources[kind]?.[res];
      if (q !== undefined && !QUANTITY.test(q)) {
        p.error(
          `${base}.resources.${kind}.${res}`,
          "flannel.quantity",
          `${base}.resources.${kind}.${res}: ${show(q)} is not a Kubernetes quantity, e.g. "100m" or "50Mi"`,
        );
      }
    }
  }
  c.tolerations.forEach((t, i) => {
    const at = `${base}.tolerations[${i}]`;
    if (t.key !== undefined && t.key !== "" && !isLabelKey(t.key)) {
      p.error(
        `${at}.key`,
        "flannel.toleration",
        `${at}.key: ${show(t.key)} is not a taint key (a qualified name: optional DNS-1123 subdomain prefix and "/", then up to 63 letters, digits, "-", "_", ".", alphanumeric at both ends), e.g. "node-role.kubernetes.io/control-plane"`,
      );
    }
    if ((t.key === undefined || t.key === "") && (t.operator ?? "Equal") !== "Exists") {
      p.error(
        `${at}.operator`,
        "flannel.toleration",
        `${at}.operator: a toleration without a key matches every taint and needs operator "Exists" (Kubernetes rejects it otherwise); set operator: Exists or give a key`,
      );
    }
    if (t.value !== undefined && t.value !== "" && !isLabelValue(t.value)) {
      p.error(
        `${at}.value`,
        "flannel.toleration",
        `${at}.value: ${show(t.value)} is not a taint value (up to 63 letters, digits, "-", "_", ".", alphanumeric at both ends, or empty)`,
      );
    }
    if ((t.operator ?? "Equal") === "Exists" && t.value !== undefined && t.value !== "") {
      p.error(
        `${at}.value`,
        "flannel.toleration",
        `${at}.value: must be empty when operator is "Exists" (Kubernetes rejects it); remove value or use operator "Equal"`,
      );
    }
    if (t.tolerationSeconds !== undefined && t.effect !== "NoExecute") {
      p.error(
        `${at}.tolerationSeconds`,
        "flannel.toleration",
        `${at}.tolerationSeconds: only applies with effect "NoExecute"; remove it or set the effect`,
      );
    }
  });
  for (const key of ["cniBinDir", "cniConfDir"] as const) {
    if (!HOST_DIR.test(c[key])) {
      p.error(
        `${base}.${key}`,
        "flannel.host-dir",
        `${base}.${key}: ${show(c[key])} is not an absolute directory path (letters, digits and _ . + @ : / -; no "..")`,
      );
    }
  }
}

/** What the per-node checks found, for the summary. */
export interface FlannelNodeMtu {
  readonly node: string;
  readonly interface: string;
  readonly interfaceMtu: number;
  /** The pod MTU flannel writes into subnet.env (FLANNEL_MTU). */
  readonly podMtu: number;
}

/** Per node: pod MTU, then addresses unique across nodes, then host-gw L2 adjacency. */
export function checkFlannelNodes(
  selections: readonly FlannelNodeInterface[],
  c: FlannelNetworkConfig,
  plan: CidrPlan,
  base: string,
  p: Problems,
): FlannelNodeMtu[] {
  const b = c.backend;
  const overhead = FLANNEL_BACKEND_OVERHEAD[b.type];
  const ipv6 = plan.families.includes("ipv6");
  const out: FlannelNodeMtu[] = [];
  const applies = b.mtu !== undefined && FLANNEL_BACKEND_KEYS[b.type].includes("mtu");
  // An out-of-range MTU is reported by checkBackend; nothing sensible follows from it.
  const explicit = applies && b.mtu !== undefined && b.mtu >= IPV4_MIN_MTU && b.mtu <= 65535 ? b.mtu : undefined;
  if (!applies || explicit !== undefined) {
    const at = `${base}.backend.mtu`;
    const above = explicit !== undefined ? selections.filter((s) => explicit > s.mtu) : [];
    if (above.length > 0) {
      const smallest = Math.min(...above.map((s) => s.mtu));
      p.error(
        at,
        "flannel.mtu-above-interface",
        `${at}: ${explicit} is above the MTU of the interface flannel uses on ${above
          .map((s) => `node "${s.node}" (${s.interface}, ${s.mtu})`)
          .join(", ")}; encapsulated packets would exceed the link; set ${at} to at most ${smallest} or remove it`,
      );
    }
    const minimum = ipv6 ? IPV6_MIN_MTU : IPV4_MIN_MTU;
    const rfc = ipv6 ? "the IPv6 minimum (RFC 8200)" : "the IPv4 minimum (RFC 791)";
    if (explicit !== undefined && explicit - overhead < minimum) {
      p.error(
        at,
        ipv6 ? "flannel.mtu-ipv6" : "flannel.mtu-ipv4",
        `${at}: the pod MTU would be ${explicit - overhead} (${explicit} - ${overhead} ${b.type} overhead), below ${minimum}, ${rfc}; set ${at} to at least ${minimum + overhead}`,
      );
    }
    for (const s of selections) {
      if (above.includes(s)) continue;
      const podMtu = (explicit ?? s.mtu) - overhead;
      if (podMtu < minimum) {
        if (explicit !== undefined) continue; // reported once above
        const where = `nodes[${s.nodeIndex}].interfaces[${s.interfaceIndex}].mtu`;
        p.error(
          where,
          ipv6 ? "flannel.mtu-ipv6" : "flannel.mtu-ipv4",
          `${where}: the pod MTU on node "${s.node}" would be ${podMtu} (${s.interface} MTU ${s.mtu} - ${overhead} ${b.type} overhead), below ${minimum}, ${rfc}; ${ipv6 ? "IPv6 pods would not work; " : ""}raise the MTU of ${s.interface} to at least ${minimum + overhead}`,
        );
        continue;
      }
      out.push({ node: s.node, interface: s.interface, interfaceMtu: s.mtu, podMtu });
    }
  }
  const mtus = [...new Set(out.map((m) => m.podMtu))].sort((x, y) => x - y);
  if (mtus.length > 1) {
    const lowest = out.filter((m) => m.podMtu === mtus[0]).map((m) => m.node);
    p.warn(
      `${base}.backend`,
      "flannel.mtu-mixed",
      `${base}.backend: pod MTUs differ between nodes (${mtus.join(", ")}; lowest on ${lowest.join(", ")}); pods on larger-MTU nodes send packets the others cannot take and rely on path MTU discovery; set ${base}.backend.mtu${FLANNEL_BACKEND_KEYS[b.type].includes("mtu") ? "" : " (vxlan, wireguard)"} or align the interface MTUs`,
    );
  }

  for (const family of plan.families) {
    const seen = new Map<string, FlannelNodeInterface>();
    for (const s of selections) {
      const addr = s.addresses[family];
      if (addr === undefined) continue;
      const other = seen.get(addr);
      if (other) {
        p.error(
          `nodes[${s.nodeIndex}].interfaces[${s.interfaceIndex}]`,
          "flannel.address-duplicate",
          `nodes[${s.nodeIndex}].interfaces[${s.interfaceIndex}]: flannel would advertise ${addr} (${s.interface}) for node "${s.node}" and for node "${other.node}" (${other.interface}); every node needs its own address or traffic goes to the wrong host; select an interface with a unique address via ${base}.iface`,
        );
      } else seen.set(addr, s);
    }
  }

  if (b.type === "host-gw") {
    for (const family of plan.families) {
      const withNet = selections.filter((s) => s.networks[family] !== undefined);
      const first = withNet[0];
      const apart = withNet.find((s) => s.networks[family] !== first?.networks[family]);
      if (first && apart) {
        p.error(
          `${base}.backend.type`,
          "flannel.host-gw-l2",
          `${base}.backend.type: "host-gw" routes pod traffic straight to the peer node, so all nodes must share one L2 network, but node "${first.node}" uses ${first.addresses[family]} in ${first.networks[family]} and node "${apart.node}" uses ${apart.addresses[family]} in ${apart.networks[family]}; use type "vxlan" with directRouting: true (direct routes where nodes share a subnet, VXLAN elsewhere)`,
        );
      }
    }
  }
  return out;
}
