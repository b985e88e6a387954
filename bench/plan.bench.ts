/**
 * `pnpm bench`: plan + validate for 1,000, 5,000 and 10,000 dual-stack nodes
 * with three interfaces each. Each size runs in its own process so the peak
 * memory figure (max RSS) belongs to that size alone.
 *
 * Last line: one JSON object with the tracked figures.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { checkPodCidrPlan, type NodeOptions, type PodCidrPlanOptions } from "@podnet/core";

const SIZES = [1000, 5000, 10000];
const RUNS = 5;

/** A dual-stack spec with `n` nodes, three interfaces each (two of them dual-stack). */
export function benchSpec(n: number): PodCidrPlanOptions {
  const nodes: NodeOptions[] = [];
  for (let i = 0; i < n; i++) {
    const hi = Math.floor(i / 256);
    const lo = i % 256;
    nodes.push({
      name: `node-${i}`,
      interfaces: [
        { name: "eth0", addresses: [`172.16.${hi}.${lo}/12`, `fd01::${i.toString(16)}/64`], defaultRoute: true },
        { name: "eth1", addresses: [`192.168.${hi}.${lo}/16`] },
        { name: "eth2", addresses: [`100.64.${hi}.${lo}/16`, `fd02::${i.toString(16)}/64`], mtu: 9000 },
      ],
    });
  }
  return {
    cluster: {
      podCidrs: ["10.128.0.0/9", "fd00:10::/48"],
      serviceCidrs: ["10.96.0.0/12", "fd00:96::/112"],
      nodeMaskSize: { ipv4: 24, ipv6: 64 },
      reservedCidrs: ["172.17.0.0/16"],
    },
    nodes,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

function measure(n: number): Record<string, number> {
  const spec = benchSpec(n);
  checkPodCidrPlan(benchSpec(200)); // warm up the JIT
  const planMs: number[] = [];
  const jsonMs: number[] = [];
  let plan: unknown;
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const baseline = process.resourceUsage().maxRSS / 1024;
  for (let r = 0; r < RUNS; r++) {
    plan = undefined;
    gc?.(); // each run starts from a clean heap, so the peak is one plan's, not five
    const t0 = performance.now();
    const res = checkPodCidrPlan(spec);
    const t1 = performance.now();
    if (!res.value) throw new Error(`bench spec invalid: ${res.errors[0]?.message}`);
    plan = res.value;
    const t2 = performance.now();
    JSON.stringify(plan);
    const t3 = performance.now();
    planMs.push(t1 - t0);
    jsonMs.push(t3 - t2);
  }
  return {
    nodes: n,
    plan_ms: median(planMs),
    json_ms: median(jsonMs),
    peak_mb: process.resourceUsage().maxRSS / 1024,
    baseline_mb: baseline,
  };
}

if (process.argv[2] === "--child") {
  process.stdout.write(JSON.stringify(measure(Number(process.argv[3]))));
} else {
  const self = fileURLToPath(import.meta.url);
  const results = SIZES.map((n) =>
    JSON.parse(
      execFileSync(process.execPath, ["--expose-gc", "--conditions=podnet-source", "--import", "tsx", self, "--child", String(n)], {
        encoding: "utf8",
      }),
    ),
  );
  console.log("nodes   plan+validate   JSON.stringify   ratio   peak RSS (process baseline)");
  for (const r of results) {
    console.log(
      `${String(r.nodes).padStart(5)}   ${r.plan_ms.toFixed(1).padStart(10)} ms   ${r.json_ms.toFixed(1).padStart(11)} ms   ${(
        r.plan_ms / r.json_ms
      )
        .toFixed(1)
        .padStart(5)}   ${r.peak_mb.toFixed(0).padStart(5)} MB (${r.baseline_mb.toFixed(0)} MB)`,
    );
  }
  const [k1, k5, k10] = results;
  console.log(
    JSON.stringify({
      nodes1000_ms: Number(k1.plan_ms.toFixed(1)),
      nodes5000_ms: Number(k5.plan_ms.toFixed(1)),
      nodes10000_ms: Number(k10.plan_ms.toFixed(1)),
      nodes5000_peak_mb: Number(k5.peak_mb.toFixed(1)),
      nodes10000_peak_mb: Number(k10.peak_mb.toFixed(1)),
      ratio_to_serialize: Number((k5.plan_ms / k5.json_ms).toFixed(2)),
      scale_10k_over_1k: Number((k10.plan_ms / k1.plan_ms).toFixed(2)),
    }),
  );
}
