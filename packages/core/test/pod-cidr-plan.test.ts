/** What the plan outputs: Service IPs, capacity, flags, stability across plans. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { allocationOf, NetworkPlanError, planPodCidrs } from "../src/index.js";
import { flagArgs } from "../src/internal/index.js";

const dual = {
  cluster: {
    podCidrs: ["10.244.0.0/16", "fd00:10:244::/56"],
    serviceCidrs: ["10.96.0.0/12", "fd00:10:96::/112"],
  },
  nodes: [
    { name: "a", interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24"] }], podCidrs: ["10.244.7.0/24"] },
    { name: "b", interfaces: [{ name: "eth0", addresses: ["192.168.1.32/24"] }] },
  ],
};

describe("PodCidrPlan output", () => {
  test("Service IPs, defaults and capacity", () => {
    const { value: plan, warnings } = planPodCidrs(dual);
    assert.deepEqual(warnings, []);
    assert.deepEqual(plan.families, ["ipv4", "ipv6"]);
    assert.equal(plan.dualStack, true);
    assert.deepEqual(plan.kubernetesServiceIp, { ipv4: "10.96.0.1", ipv6: "fd00:10:96::1" });
    assert.equal(plan.dnsServiceIp, "10.96.0.10", "kubeadm's default: the tenth address");
    assert.equal(plan.maxPodsPerNode, 110);
    assert.deepEqual(plan.nodeMaskSize, { ipv4: 24, ipv6: 64 });
    assert.equal(plan.capacity.ipv4?.nodeSubnets, 256);
    assert.equal(plan.capacity.ipv4?.addressesPerNode, "254");
    assert.equal(plan.capacity.ipv6?.nodeSubnets, 256);
    assert.equal(plan.capacity.ipv4?.serviceAddresses, "1048574");
  });

  test("node subnets: pins first, then the lowest free subnet in spec order", () => {
    const { value: plan } = planPodCidrs(dual);
    assert.deepEqual(
      plan.nodes.map((n) => n.podCidrList),
      [
        ["10.244.7.0/24", "fd00:10:244::/64"],
        ["10.244.0.0/24", "fd00:10:244:1::/64"],
      ],
    );
    assert.deepEqual(plan.nodes[0]?.subnetSource, { ipv4: "pinned", ipv6: "allocated" });
  });

  test("flags every component must agree on", () => {
    const { value: plan } = planPodCidrs(dual);
    assert.deepEqual(flagArgs(plan.flags.kubeControllerManager), [
      "--allocate-node-cidrs=true",
      "--cluster-cidr=10.244.0.0/16,fd00:10:244::/56",
      "--node-cidr-mask-size-ipv4=24",
      "--node-cidr-mask-size-ipv6=64",
      "--service-cluster-ip-range=10.96.0.0/12,fd00:10:96::/112",
    ]);
    assert.deepEqual(plan.flags.kubeadm.networking, {
      podSubnet: "10.244.0.0/16,fd00:10:244::/56",
      serviceSubnet: "10.96.0.0/12,fd00:10:96::/112",
      dnsDomain: "cluster.local",
    });
    assert.deepEqual(plan.flags.kubeApiserver, { "service-cluster-ip-range": "10.96.0.0/12,fd00:10:96::/112" });
    assert.deepEqual(plan.flags.kubeProxy, { clusterCIDR: "10.244.0.0/16,fd00:10:244::/56" });
    assert.deepEqual(plan.flags.kubelet, { maxPods: 110, clusterDNS: ["10.96.0.10"], clusterDomain: "cluster.local" });
  });

  test("IPv6-only: DNS default is the tenth address, compressed", () => {
    const { value: plan } = planPodCidrs({ cluster: { podCidrs: ["fd00:10:244::/56"], serviceCidrs: ["fd00:10:96::/112"] } });
    assert.equal(plan.dnsServiceIp, "fd00:10:96::a");
    assert.deepEqual(Object.keys(plan.flags.kubeControllerManager).sort(), [
      "allocate-node-cidrs",
      "cluster-cidr",
      "node-cidr-mask-size-ipv6",
      "service-cluster-ip-range",
    ]);
  });

  test("edge masks: /30 node subnets in a /16; /32 and /128 hold no pods", () => {
    const r4 = planPodCidrs({
      cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"], nodeMaskSize: { ipv4: 30 }, maxPodsPerNode: 2 },
    });
    assert.equal(r4.value.capacity.ipv4?.nodeSubnets, 16384);
    for (const [pods, svcs, mask, msg] of [
      [
        "10.244.0.0/16",
        "10.96.0.0/12",
        { ipv4: 32 },
        "a /32 IPv4 node subnet has no usable pod addresses; use a node mask of /30 or shorter for 1 pods",
      ],
      [
        "fd00::/112",
        "fd01::/112",
        { ipv6: 128 },
        "a /128 IPv6 node subnet has no usable pod addresses; use a node mask of /126 or shorter for 1 pods",
      ],
    ] as const) {
      assert.throws(
        () => planPodCidrs({ cluster: { podCidrs: [pods], serviceCidrs: [svcs], nodeMaskSize: mask, maxPodsPerNode: 1 } }),
        (e: unknown) => e instanceof NetworkPlanError && e.problems.some((p) => p.message === `cluster.maxPodsPerNode: ${msg}`),
      );
    }
  });

  test("a previous allocation that no longer fits moves the node, with a warning", () => {
    const first = planPodCidrs(dual).value;
    const moved = { ...dual, cluster: { ...dual.cluster, podCidrs: ["10.245.0.0/16", "fd00:10:244::/56"] } };
    moved.nodes = [dual.nodes[1]!];
    const r = planPodCidrs(moved, { previous: allocationOf(first) });
    assert.equal(r.value.nodes[0]?.podCidrs.ipv4, "10.245.0.0/24");
    assert.equal(r.value.nodes[0]?.podCidrs.ipv6, "fd00:10:244:1::/64", "the IPv6 subnet still fits and stays");
    assert.equal(
      r.warnings[0]?.message,
      'nodes[0]: node "b" had IPv4 subnet "10.244.0.0/24" in the previous plan, which no longer fits "10.245.0.0/16" with /24 node subnets; it gets a new subnet, and its pods must be recreated',
    );
  });

  test("the same docker0/virbr0 address on every host is no conflict; a shared eth0 address is", () => {
    const withBridges = {
      cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
      nodes: ["a", "b"].map((name, i) => ({
        name,
        interfaces: [
          { name: "eth0", addresses: [`192.168.1.${31 + i}/24`], defaultRoute: true },
          { name: "docker0", addresses: ["172.17.0.1/16"] },
          { name: "virbr0", addresses: ["192.168.122.1/24"] },
        ],
      })),
    };
    assert.equal(planPodCidrs(withBridges).value.nodes.length, 2);
    const clash = structuredClone(withBridges);
    clash.nodes[1]!.interfaces[0]!.addresses = ["192.168.1.31/24"];
    assert.throws(
      () => planPodCidrs(clash),
      (e: unknown) =>
        e instanceof NetworkPlanError &&
        e.problems.length === 1 &&
        e.problems[0]?.message ===
          'nodes[1].interfaces[0].addresses[0]: 192.168.1.31 is also used by nodes[0].interfaces[0] (node "a", eth0); node addresses must be unique',
    );
  });

  test("NetworkPlanError lists every problem in its message", () => {
    try {
      planPodCidrs({ cluster: { podCidrs: ["10.244.0.1/16"], serviceCidrs: ["10.96.0.1/12"] } });
      assert.fail("expected an error");
    } catch (e) {
      assert.ok(e instanceof NetworkPlanError);
      assert.equal(e.problems.length, 2);
      assert.match(e.message, /2 problems in the network spec:\n {2}cluster.podCidrs\[0\]: .*\n {2}cluster.serviceCidrs\[0\]: /);
    }
  });

  test("same input, identical plan", () => {
    assert.equal(JSON.stringify(planPodCidrs(dual).value), JSON.stringify(planPodCidrs(structuredClone(dual)).value));
  });
});

describe("PodCidrPlan allocation range (context.allocation)", () => {
  const three = {
    cluster: { podCidrs: ["10.244.0.0/16", "fd00:10:244::/56"], serviceCidrs: ["10.96.0.0/12", "fd00:10:96::/112"] },
    nodes: ["a", "b", "c"].map((name, i) => ({ name, interfaces: [{ name: "eth0", addresses: [`192.168.1.${31 + i}/24`] }] })),
  };
  const subnets = (r: ReturnType<typeof planPodCidrs>, f: "ipv4" | "ipv6") => r.value.nodes.map((n) => n.podCidrs[f]);
  const label = "the test range";

  test("excludeFirst skips the pod CIDR's first node subnet, per family", () => {
    const r = planPodCidrs(three, { allocation: { ipv4: { excludeFirst: true, label, path: "x" } } });
    assert.deepEqual(subnets(r, "ipv4"), ["10.244.1.0/24", "10.244.2.0/24", "10.244.3.0/24"]);
    assert.deepEqual(subnets(r, "ipv6"), ["fd00:10:244::/64", "fd00:10:244:1::/64", "fd00:10:244:2::/64"]);
  });

  test("min and max bound the allocation; pins stay where they are", () => {
    const pinned = structuredClone(three) as typeof three & { nodes: Array<Record<string, unknown>> };
    (pinned.nodes[2] as Record<string, unknown>).podCidrs = ["10.244.0.0/24"];
    const r = planPodCidrs(pinned, {
      allocation: {
        ipv4: { min: "10.244.200.0", max: "10.244.201.0", label, path: "x" },
        ipv6: { min: "fd00:10:244:fd::", label, path: "y" },
      },
    });
    assert.deepEqual(subnets(r, "ipv4"), ["10.244.200.0/24", "10.244.201.0/24", "10.244.0.0/24"]);
    assert.deepEqual(subnets(r, "ipv6"), ["fd00:10:244:fd::/64", "fd00:10:244:fe::/64", "fd00:10:244:ff::/64"]);
  });

  test("a range too small for the nodes is one error on the range's path", () => {
    assert.throws(
      () => planPodCidrs(three, { allocation: { ipv4: { min: "10.244.200.0", max: "10.244.201.0", label, path: "comp.min" } } }),
      (e: unknown) =>
        e instanceof NetworkPlanError &&
        JSON.stringify(e.problems.map((x) => [x.path, x.code])) === JSON.stringify([["comp.min", "capacity.range"]]),
    );
  });

  test("a range ending at the pod CIDR's last subnet still reports running out", () => {
    assert.throws(
      () => planPodCidrs(three, { allocation: { ipv6: { min: "fd00:10:244:fe::", label, path: "comp.v6" } } }),
      (e: unknown) => e instanceof NetworkPlanError && e.problems.map((x) => x.code).join() === "capacity.range",
    );
  });

  test("bounds that are not node subnets of the pod CIDR are ignored (the component reports them)", () => {
    for (const min of ["10.244.200.7", "10.245.0.0", "fd00::", "junk"]) {
      const r = planPodCidrs(three, { allocation: { ipv4: { min, label, path: "x" } } });
      assert.deepEqual(subnets(r, "ipv4"), ["10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24"], min);
    }
  });
});
