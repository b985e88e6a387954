/**
 * Property tests for the node-subnet planner: subnets lie inside the pod
 * CIDR, never overlap each other or the Services, and stay put when nodes
 * are added or removed (the previous allocation is fed back, as `podnet
 * render` does with its plan.json).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { allocationOf, type PodCidrPlanOptions, planPodCidrs } from "../src/index.js";
import { cidr, contains, overlaps } from "../src/internal/index.js";

const families = fc.constantFrom("v4", "v6", "dual");

/** A cluster with room for up to 64 nodes in each family. */
function cluster(fam: string, v4Prefix: number, v6Prefix: number): PodCidrPlanOptions["cluster"] {
  const pods: string[] = [];
  const svcs: string[] = [];
  if (fam !== "v6") {
    pods.push(`10.${v4Prefix === 16 ? "244.0.0" : "0.0.0"}/${v4Prefix}`);
    svcs.push("172.20.0.0/16");
  }
  if (fam !== "v4") {
    pods.push(`fd00:10:244::/${v6Prefix}`);
    svcs.push("fd00:10:96::/112");
  }
  return { podCidrs: pods, serviceCidrs: svcs, nodeMaskSize: { ipv4: 24, ipv6: 64 } };
}

function nodes(names: readonly string[]): NonNullable<PodCidrPlanOptions["nodes"]> {
  return names.map((name, i) => ({
    name,
    interfaces: [{ name: "eth0", addresses: [`192.168.${Math.floor(i / 250)}.${(i % 250) + 1}/16`] }],
  }));
}

const nodeNames = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/), { minLength: 1, maxLength: 40 });

describe("PodCidrPlan properties", () => {
  test("node subnets are inside the pod CIDR, disjoint, and clear of the Services", () => {
    fc.assert(
      fc.property(families, nodeNames, fc.constantFrom(16, 8), fc.constantFrom(56, 48), (fam, names, p4, p6) => {
        const { value: plan } = planPodCidrs({ cluster: cluster(fam, p4, p6), nodes: nodes(names) });
        for (const f of plan.families) {
          const pod = cidr(plan.podCidr[f]!);
          const svc = cidr(plan.serviceCidr[f]!);
          const subnets = plan.nodes.map((n) => cidr(n.podCidrs[f]!));
          for (const s of subnets) {
            assert.ok(contains(pod, s), `${s.text} outside ${pod.text}`);
            assert.ok(!overlaps(s, svc));
            assert.equal(s.prefix, plan.nodeMaskSize[f]);
          }
          const texts = subnets.map((s) => s.text);
          assert.equal(new Set(texts).size, texts.length, "two nodes share a subnet");
        }
      }),
      { numRuns: 150 },
    );
  });

  test("adding or removing nodes never moves another node's subnet", () => {
    fc.assert(
      fc.property(
        families,
        nodeNames,
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.uniqueArray(fc.stringMatching(/^z[a-z0-9]{0,6}$/), { maxLength: 10 }),
        (fam, names, removeIdx, added) => {
          const c = cluster(fam, 16, 56);
          const first = planPodCidrs({ cluster: c, nodes: nodes(names) }).value;
          const removed = new Set(removeIdx.map((i) => names[i % names.length]));
          const kept = names.filter((n) => !removed.has(n));
          // new nodes are inserted at the front, the worst case for an order-based planner
          const next = [...added.filter((a) => !names.includes(a)), ...kept];
          const second = planPodCidrs({ cluster: c, nodes: nodes(next) }, { previous: allocationOf(first) }).value;
          for (const n of second.nodes) {
            const before = first.nodes.find((m) => m.name === n.name);
            if (before) assert.deepEqual(n.podCidrs, before.podCidrs, `node ${n.name} moved`);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  test("appending nodes keeps existing subnets even without the previous plan", () => {
    fc.assert(
      fc.property(families, nodeNames, fc.uniqueArray(fc.stringMatching(/^z[a-z0-9]{0,6}$/), { maxLength: 10 }), (fam, names, added) => {
        const c = cluster(fam, 16, 56);
        const first = planPodCidrs({ cluster: c, nodes: nodes(names) }).value;
        const second = planPodCidrs({ cluster: c, nodes: nodes([...names, ...added.filter((a) => !names.includes(a))]) }).value;
        for (const [i, n] of first.nodes.entries()) assert.deepEqual(second.nodes[i]!.podCidrs, n.podCidrs);
      }),
      { numRuns: 100 },
    );
  });

  test("with an allocation range, new subnets stay inside it and stay put when nodes come and go", () => {
    fc.assert(
      fc.property(
        families,
        nodeNames,
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 45, max: 150 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 10 }),
        (fam, names, lo, width, excludeFirst, removeIdx) => {
          const c = cluster(fam, 16, 56);
          const hi = Math.min(255, lo + width);
          const bounds = (prefix: (i: number) => string) => ({
            ...(excludeFirst && lo === 0 ? { excludeFirst: true } : { min: prefix(lo) }),
            max: prefix(hi),
            label: "the range",
            path: "x",
          });
          const allocation = {
            ipv4: bounds((i) => `10.244.${i}.0`),
            ipv6: bounds((i) => `fd00:10:244:${i.toString(16)}::`),
          };
          const first = planPodCidrs({ cluster: c, nodes: nodes(names) }, { allocation }).value;
          const lowest = excludeFirst && lo === 0 ? 1 : lo;
          for (const f of first.families) {
            const pod = cidr(first.podCidr[f]!);
            const step = 1n << BigInt((f === "ipv4" ? 32 : 128) - first.nodeMaskSize[f]);
            const texts = first.nodes.map((n) => n.podCidrs[f]!);
            assert.equal(new Set(texts).size, texts.length, "two nodes share a subnet");
            for (const t of texts) {
              const index = (cidr(t).first - pod.first) / step;
              assert.ok(index >= BigInt(lowest) && index <= BigInt(hi), `${t} outside the range ${lowest}..${hi}`);
            }
          }
          const removed = new Set(removeIdx.map((i) => names[i % names.length]));
          const kept = ["znew", ...names.filter((n) => !removed.has(n) && n !== "znew")];
          const second = planPodCidrs({ cluster: c, nodes: nodes(kept) }, { previous: allocationOf(first), allocation }).value;
          for (const n of second.nodes) {
            const before = first.nodes.find((m) => m.name === n.name);
            if (before) assert.deepEqual(n.podCidrs, before.podCidrs, `node ${n.name} moved`);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  test("pins are honoured and allocation works around them", () => {
    fc.assert(
      fc.property(nodeNames, fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 5 }), (names, pinIdx) => {
        const ns = nodes(names);
        const pinned = new Map<string, string>();
        pinIdx.slice(0, ns.length).forEach((k, i) => {
          const n = ns[i]!;
          const text = `10.244.${k}.0/24`;
          (n as { podCidrs?: string[] }).podCidrs = [text];
          pinned.set(n.name, text);
        });
        const { value: plan } = planPodCidrs({ cluster: cluster("v4", 16, 56), nodes: ns });
        for (const n of plan.nodes) {
          if (pinned.has(n.name)) {
            assert.equal(n.podCidrs.ipv4, pinned.get(n.name));
            assert.equal(n.subnetSource.ipv4, "pinned");
          }
        }
        const all = plan.nodes.map((n) => n.podCidrs.ipv4);
        assert.equal(new Set(all).size, all.length);
      }),
      { numRuns: 100 },
    );
  });
});
