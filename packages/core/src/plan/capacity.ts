/**
 * Capacity of the plan: the sizes kubeadm and kube-apiserver accept for the pod and
 * service CIDRs and the node mask, and how many nodes and pods per node the pod CIDR holds.
 */
import { type Cidr, FAMILY_LABEL, familyBits, type IpFamily, size, subnetCount } from "../shared/cidr.js";
import type { Problems } from "../shared/problems.js";
import type { FamilyCidrs } from "./cidrs.js";
import type { FamilyCapacity } from "./types.js";

/** Checks the service and pod CIDR sizes and the node mask against kubeadm's and kube-controller-manager's limits. */
export function checkKubeadmSizes(
  pods: FamilyCidrs,
  services: FamilyCidrs,
  nodeMaskSize: { ipv4: number; ipv6: number },
  p: Problems,
): void {
  for (const [family, { cidr: c, index }] of services) {
    const path = `cluster.serviceCidrs[${index}]`;
    const hostBits = familyBits(family) - c.prefix;
    // kubeadm / kube-apiserver: at most 20 host bits for the Service IP allocator.
    if (hostBits > 20) {
      p.error(
        path,
        "service.too-large",
        `${path}: "${c.text}" has ${hostBits} host bits; kube-apiserver allows at most 20 (${family === "ipv4" ? "IPv4 /12" : "IPv6 /108"} or longer)`,
      );
    }
    // kubeadm: a service subnet needs room for at least 10 Services' addresses.
    if (size(c) < 10n) {
      p.error(
        path,
        "service.too-small",
        `${path}: "${c.text}" has ${size(c)} address${size(c) === 1n ? "" : "es"}; a service CIDR needs at least 10 (${family === "ipv4" ? "IPv4 /28" : "IPv6 /124"} or shorter)`,
      );
    }
  }
  for (const [family, { cidr: c, index }] of pods) {
    const path = `cluster.podCidrs[${index}]`;
    // kubeadm: a pod subnet needs at least 14 addresses.
    if (size(c) < 14n) {
      p.error(
        path,
        "pod.too-small",
        `${path}: "${c.text}" has ${size(c)} address${size(c) === 1n ? "" : "es"}; a pod CIDR needs at least 14 (${family === "ipv4" ? "IPv4 /28" : "IPv6 /124"} or shorter)`,
      );
    }
    const mask = nodeMaskSize[family];
    const mpath = `cluster.nodeMaskSize.${family}`;
    const hi = Math.min(c.prefix + 16, familyBits(family));
    // kube-controller-manager: node mask between the cluster prefix and cluster prefix + 16.
    if (mask < c.prefix || mask > hi) {
      p.error(
        mpath,
        "node-mask.range",
        `${mpath}: ${mask} does not fit ${FAMILY_LABEL[family]} pod CIDR "${c.text}"; the node mask must be between ${c.prefix} and ${hi} (the pod prefix to the pod prefix + 16)`,
      );
    }
  }
}

/** Checks that the nodes and maxPodsPerNode fit the pod CIDR with this node mask; the capacity of the family, or undefined for a mask out of range. */
export function checkCapacity(
  family: IpFamily,
  pod: Cidr,
  mask: number,
  maxPods: number,
  nodeCount: number,
  svc: Cidr | undefined,
  p: Problems,
): FamilyCapacity | undefined {
  if (mask < pod.prefix || mask > familyBits(family)) return undefined;
  const path = `cluster.nodeMaskSize.${family}`;
  const bits = familyBits(family);
  const subnets = subnetCount(pod, mask);
  // The longest node mask any rule allows: kube-controller-manager (pod prefix + 16), the
  // family's width, and room for maxPodsPerNode plus the network and broadcast addresses.
  const podsCap = bits - bitLength(BigInt(maxPods) + 1n);
  const caps: Array<[number, string]> = [
    [pod.prefix + 16, `kube-controller-manager allows at most /${pod.prefix + 16} (the pod prefix + 16)`],
    [podsCap, `maxPodsPerNode ${maxPods} needs /${podsCap} or shorter`],
  ];
  const [cap, capBy] = caps.reduce((a, b) => (b[0] < a[0] ? b : a));
  if (subnets < BigInt(nodeCount)) {
    const needed = pod.prefix + bitLength(BigInt(nodeCount) - 1n);
    const head = `${path}: /${mask} subnets of "${pod.text}" give ${subnets} node subnet${subnets === 1n ? "" : "s"} but the spec has ${nodeCount} nodes`;
    const largerPod = cap - bitLength(BigInt(nodeCount) - 1n);
    p.error(
      path,
      "capacity.nodes",
      needed <= cap
        ? `${head}; use a longer node mask (at least /${needed}) or a larger pod CIDR`
        : `${path}: no node mask fits: ${nodeCount} nodes need /${needed} or longer in "${pod.text}", but ${capBy}; use a larger pod CIDR${largerPod >= 0 ? ` (${FAMILY_LABEL[family]} /${largerPod} or shorter)` : ""} or fewer nodes`,
    );
  } else if (nodeCount > 0 && Number(nodeCount) / Number(subnets) > 0.8) {
    p.warn(
      path,
      "capacity.nodes-high",
      `${path}: ${nodeCount} of ${subnets} ${FAMILY_LABEL[family]} node subnets in "${pod.text}" are used (${Math.round((100 * nodeCount) / Number(subnets))} %); ${
        subnets === BigInt(nodeCount)
          ? "no room for another node"
          : `room for ${subnets - BigInt(nodeCount)} more node${subnets - BigInt(nodeCount) === 1n ? "" : "s"}`
      }; use a longer node mask or a larger pod CIDR before the cluster grows`,
    );
  }
  const perNode = subnetCount(pod, mask) > 0n ? (1n << BigInt(familyBits(family) - mask)) - 2n : 0n;
  if (perNode < BigInt(maxPods)) {
    const needed = podsCap;
    const room = needed >= pod.prefix ? subnetCount(pod, needed) : 0n;
    p.error(
      "cluster.maxPodsPerNode",
      "capacity.pods",
      perNode < 1n
        ? `cluster.maxPodsPerNode: a /${mask} ${FAMILY_LABEL[family]} node subnet has no usable pod addresses; use a node mask of /${needed} or shorter for ${maxPods} pods`
        : needed < pod.prefix
          ? `cluster.maxPodsPerNode: ${maxPods} pods do not fit a /${mask} ${FAMILY_LABEL[family]} node subnet (${perNode} usable addresses), and a /${needed} node subnet would not fit the pod CIDR "${pod.text}"; lower maxPodsPerNode to ${perNode}`
          : room < BigInt(nodeCount)
            ? `cluster.maxPodsPerNode: ${maxPods} pods do not fit a /${mask} ${FAMILY_LABEL[family]} node subnet (${perNode} usable addresses), and /${needed} node subnets, which would fit them, give only ${room} in "${pod.text}" for ${nodeCount} nodes; lower maxPodsPerNode to ${perNode} or use a larger pod CIDR`
            : `cluster.maxPodsPerNode: ${maxPods} pods do not fit a /${mask} ${FAMILY_LABEL[family]} node subnet (${perNode} usable addresses); lower maxPodsPerNode to ${perNode} or use a node mask of /${needed} or shorter`,
    );
  }
  const svcSize = svc ? size(svc) : 0n;
  return {
    podCidr: pod.text,
    nodeMaskSize: mask,
    nodeSubnets: Number(subnets),
    nodesPlanned: nodeCount,
    utilisation: Number(subnets) > 0 ? nodeCount / Number(subnets) : 0,
    addressesPerNode: (perNode < 0n ? 0n : perNode).toString(),
    serviceCidr: svc?.text ?? "",
    // network and (IPv4) broadcast addresses are never allocated
    serviceAddresses: (svcSize > 2n ? svcSize - 2n : 0n).toString(),
  };
}

/** Number of bits needed to write n (0 for 0): the smallest k with 2^k > n. */
function bitLength(n: bigint): number {
  return n <= 0n ? 0 : n.toString(2).length;
}
