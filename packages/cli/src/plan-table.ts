/** The readable form of a plan, printed by `podnet plan`. */
import type { PodCidrPlan } from "@podnet/core";

function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const r of rows) {
    r.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, c.length);
    });
  }
  return rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}

export function planTable(plan: PodCidrPlan): string[] {
  const lines: string[] = [];
  lines.push(`Networks (${plan.dualStack ? "dual-stack" : plan.families[0] === "ipv4" ? "IPv4" : "IPv6"})`);
  const rows: string[][] = [["family", "pod CIDR", "node mask", "node subnets", "used", "pods/node", "service CIDR", "kubernetes svc"]];
  for (const f of plan.families) {
    const c = plan.capacity[f];
    if (!c) continue;
    rows.push([
      f,
      c.podCidr,
      `/${c.nodeMaskSize}`,
      String(c.nodeSubnets),
      `${c.nodesPlanned} (${(c.utilisation * 100).toFixed(1)} %)`,
      String(Math.min(plan.maxPodsPerNode, Number(c.addressesPerNode))),
      c.serviceCidr,
      plan.kubernetesServiceIp[f] ?? "",
    ]);
  }
  lines.push(...table(rows).map((l) => `  ${l}`));
  lines.push(`  DNS Service IP: ${plan.dnsServiceIp}    cluster domain: ${plan.clusterDomain}    maxPods: ${plan.maxPodsPerNode}`);
  if (plan.reservedCidrs.length > 0) lines.push(`  reserved: ${plan.reservedCidrs.join(", ")}`);
  lines.push("");
  lines.push(`Nodes (${plan.nodes.length})`);
  const nrows: string[][] = [["node", "roles", ...plan.families.map((f) => `${f} subnet`), "source", "addresses"]];
  for (const n of plan.nodes) {
    nrows.push([
      n.name,
      n.roles.join(","),
      ...plan.families.map((f) => n.podCidrs[f] ?? "-"),
      [...new Set(plan.families.map((f) => n.subnetSource[f] ?? ""))].join(","),
      n.interfaces.map((i) => `${i.name}=${i.addresses.map((a) => a.cidr).join(",") || "-"}`).join(" "),
    ]);
  }
  lines.push(...table(nrows).map((l) => `  ${l}`));
  lines.push("");
  lines.push("Flags");
  const kcm = plan.flags.kubeControllerManager;
  lines.push(
    `  kubeadm networking: podSubnet=${plan.flags.kubeadm.networking.podSubnet} serviceSubnet=${plan.flags.kubeadm.networking.serviceSubnet}`,
  );
  lines.push(
    `  kube-controller-manager: ${Object.keys(kcm)
      .sort()
      .map((k) => `--${k}=${kcm[k]}`)
      .join(" ")}`,
  );
  lines.push(`  kube-apiserver: --service-cluster-ip-range=${plan.flags.kubeApiserver["service-cluster-ip-range"]}`);
  lines.push(`  kube-proxy: clusterCIDR: ${plan.flags.kubeProxy.clusterCIDR}`);
  lines.push(`  kubelet: maxPods: ${plan.flags.kubelet.maxPods}, clusterDNS: [${plan.flags.kubelet.clusterDNS.join(", ")}]`);
  return lines;
}
