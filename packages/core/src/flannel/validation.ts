/**
 * FlannelNetwork checks that need no node inventory: options against the
 * plan and the release (the pod settings are in pod-checks.ts, the per-node
 * checks in node-checks.ts). Every problem names the option, the value, the
 * rule and the fix.
 */

import type { CidrPlan } from "../plan/index.js";
import { FAMILY_LABEL, type IpFamily, parseCidr } from "../shared/cidr.js";
import { type Problems, show } from "../shared/problems.js";
import { checkFlanneldExtraArgs } from "./args.js";
import {
  FLANNEL_BACKEND_JSON_KEYS,
  FLANNEL_BACKEND_KEYS,
  FLANNEL_DISCOURAGED_BACKENDS,
  FLANNEL_DUAL_STACK_BACKENDS,
  VXLAN_VNI_MAX,
} from "./backend.js";
import { flanneldCertificateSpec } from "./certs.js";
import type { FlannelBackendConfig, FlannelNetworkConfig } from "./options.js";
import { checkFlannelPodSettings } from "./pod-checks.js";
import type { FlannelVersionInfo } from "./versions.js";

/** IPv6 links carry at least 1280 bytes (RFC 8200 §5). */
export const IPV6_MIN_MTU = 1280;
/** Every IPv4 link carries at least 68 bytes (RFC 791). */
export const IPV4_MIN_MTU = 68;

/** A WireGuard key: 32 bytes in standard base64 (44 characters, one "=" of padding). */
export const WIREGUARD_KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

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

/** A port number is 1..65535 (or 0 where that turns the port off). */
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
    if (text !== undefined) checkGivenNetwork(plan, family, text, at, p);
  }
  checkNodeSubnets(plan, p);
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

/** The backend keys against its type, the families, the release and the value ranges. */
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
  checkWireguard(b, info, plan, at, p);
  checkBackendMtu(b, info, at, p);
}

/** One of `network`/`ipv6Network`: a CIDR of its family that equals the plan's pod CIDR. */
function checkGivenNetwork(plan: CidrPlan, family: IpFamily, text: string, at: string, p: Problems): void {
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

/** Every node has a pod subnet of each family, inside flannel's Network. */
function checkNodeSubnets(plan: CidrPlan, p: Problems): void {
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
}

/** The WireGuard settings: distinct IPv4/IPv6 ports, the PSK's form, Mode against the release and the families, keepalive. */
function checkWireguard(b: FlannelBackendConfig, info: FlannelVersionInfo | undefined, plan: CidrPlan, at: string, p: Problems): void {
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
}

/** The backend MTU is a link MTU and the release can set it. */
function checkBackendMtu(b: FlannelBackendConfig, info: FlannelVersionInfo | undefined, at: string, p: Problems): void {
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

  checkFlannelPodSettings(c, base, p);
}
