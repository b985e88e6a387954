/** The readable form of a plan document, printed by `podnet plan`. */
import type { CalicoPlanFacts, CidrPlan, FlannelPlanFacts, IpFamily, PlanDocument } from "@podnet/core";
import { calicoEncapsulation, cidr, familyBits, subnetCount } from "@podnet/core/internal";

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

/** The readable `podnet plan` output of a plan document, one string per line. */
export function planTable(doc: PlanDocument): string[] {
  const plan = doc.plan;
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
      plan.families.flatMap((f) => (n.subnetSource[f] ? [`${f} ${n.subnetSource[f]}`] : [])).join(", "),
      n.interfaces.map((i) => `${i.name}=${i.addresses.map((a) => a.cidr).join(",") || "-"}`).join(" "),
    ]);
  }
  lines.push(...table(nrows).map((l) => `  ${l}`));
  if (doc.components.flannel) lines.push("", ...flannelLines(plan, doc.components.flannel));
  if (doc.components.calico) lines.push("", ...calicoLines(plan, doc.components.calico));
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

/** 1024 -> "1,024"; a power of two beyond a trillion as 2^n. */
function grouped(v: bigint): string {
  const bits = v.toString(2).length - 1;
  if (v >= 1_000_000_000_000n && v === 1n << BigInt(bits)) return `2^${bits}`;
  return v.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Both families' values, e.g. "192.168.1.31, fd00::31"; "-" when none. */
function perFamily(plan: CidrPlan, values: Partial<Record<IpFamily, string>>): string {
  return plan.families.flatMap((f) => (values[f] ? [values[f]] : [])).join(", ") || "-";
}

function flannelLines(plan: CidrPlan, f: FlannelPlanFacts): string[] {
  const rows: string[][] = [["node", "interface", "public IP", "interface MTU", "pod MTU"]];
  for (const n of plan.nodes) {
    const facts = f.nodes[n.name];
    rows.push(
      facts
        ? [
            n.name,
            facts.interface,
            perFamily(plan, facts.addresses),
            facts.interfaceMtu ? String(facts.interfaceMtu) : "-",
            String(facts.podMtu),
          ]
        : [n.name, "-", "-", "-", "-"],
    );
  }
  return [`Flannel (${f.mode} ${f.version}, backend ${f.backend.type})`, ...table(rows).map((l) => `  ${l}`)];
}

function calicoLines(plan: CidrPlan, c: CalicoPlanFacts): string[] {
  const lines = [`Calico (${c.install} ${c.version}, backend ${c.backend})`];
  const pools: string[][] = [["pool", "CIDR", "blocks", "encapsulation", "natOutgoing", "nodeSelector"]];
  for (const p of c.ipPools) {
    const pool = cidr(p.cidr);
    const blocks = subnetCount(pool, p.blockSize);
    const perBlock = 1n << BigInt(familyBits(pool.family) - p.blockSize);
    pools.push([
      p.name,
      p.cidr,
      `${grouped(blocks)} x /${p.blockSize} (${grouped(perBlock)} addresses each)`,
      calicoEncapsulation(p),
      p.natOutgoing ? "yes" : "no",
      p.nodeSelector,
    ]);
  }
  lines.push(...table(pools).map((l) => `  ${l}`));
  const families = plan.families.filter((f) => c.autodetection[f]);
  const header = families.map((f) => `${f} address (${c.autodetection[f]?.method})`);
  const rows: string[][] = [["node", ...header, "pools"]];
  for (const n of plan.nodes) {
    const addresses = families.map((f) => {
      const a = c.autodetection[f]?.nodes[n.name];
      return a ? `${a.address} (${a.interface})` : "at run time";
    });
    // a pool with another selector applies where the node's labels match it, which the spec does not know
    const names = c.ipPools.map((p) => (p.nodeSelector === "all()" ? p.name : `${p.name} (if ${p.nodeSelector})`));
    rows.push([n.name, ...addresses, names.join(", ")]);
  }
  lines.push(...table(rows).map((l) => `  ${l}`));
  const mtu = c.mtu.auto
    ? `auto (Felix detects it${c.mtu.largestSafe !== null ? `; largest safe ${c.mtu.largestSafe}` : ""})`
    : String(c.mtu.value);
  lines.push(`  pod MTU: ${mtu}`);
  lines.push("  node subnets above: kube-controller-manager's podCIDRs, unused by calico-ipam (it hands nodes pool blocks on demand)");
  return lines;
}
