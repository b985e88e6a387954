/**
 * `pnpm bench` (second part): the compiled CLI as a whole process. Times `podnet validate`
 * (packages/cli/dist/main.js, no tsx) on the smallest example and on generated specs of
 * 1,000, 5,000 and 10,000 dual-stack nodes with three interfaces each (flannel DaemonSet,
 * prep with firewalld), as YAML and as JSON; and, in the same run, the floors: `node -e 0`,
 * a process that only imports the compiled core, and a process that only parses the spec.
 * Every figure is the median of RUNS processes. Builds the packages first when dist is missing.
 *
 * Last line: one JSON object with the tracked figures.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const SIZES = [1000, 5000, 10000];
const RUNS = 5;
const root = fileURLToPath(new URL("..", import.meta.url));
const cliMain = join(root, "packages/cli/dist/main.js");
const coreIndex = join(root, "packages/core/dist/index.js");
const loadSpec = join(root, "packages/cli/dist/load-spec.js");

/** One node of the generated spec: three interfaces, two of them dual-stack. */
function nodeLines(i: number): string[] {
  const hi = Math.floor(i / 256);
  const lo = i % 256;
  const h = i.toString(16);
  return [
    `  - name: node-${i}`,
    ...(i < 3 ? ["    roles: [control-plane, etcd]"] : []),
    "    interfaces:",
    `      - { name: eth0, addresses: ["172.16.${hi}.${lo}/12", "fd01::${h}/64"] }`,
    `      - { name: eth1, addresses: ["192.168.${hi}.${lo}/16"] }`,
    `      - { name: eth2, addresses: ["100.64.${hi}.${lo}/16", "fd02::${h}/64"], mtu: 9000 }`,
  ];
}

/** A spec of `n` nodes as a newcomer writes it from the README (defaults left out). */
export function benchYaml(n: number): string {
  const lines = [
    "apiVersion: podnet/v1",
    "cluster:",
    '  podCidrs: ["10.128.0.0/9", "fd00:10::/48"]',
    '  serviceCidrs: ["10.96.0.0/12", "fd00:96::/112"]',
    "  nodeMaskSize: { ipv4: 24, ipv6: 64 }",
    "nodes:",
  ];
  for (let i = 0; i < n; i++) lines.push(...nodeLines(i));
  lines.push("flannel:", "  version: v0.28.9", "  iface: [eth0]", "prep:", "  firewall: firewalld", "");
  return lines.join("\n");
}

/** The same spec as JSON. */
export function benchJson(n: number): string {
  const nodes = [];
  for (let i = 0; i < n; i++) {
    const hi = Math.floor(i / 256);
    const lo = i % 256;
    const h = i.toString(16);
    nodes.push({
      name: `node-${i}`,
      ...(i < 3 ? { roles: ["control-plane", "etcd"] } : {}),
      interfaces: [
        { name: "eth0", addresses: [`172.16.${hi}.${lo}/12`, `fd01::${h}/64`] },
        { name: "eth1", addresses: [`192.168.${hi}.${lo}/16`] },
        { name: "eth2", addresses: [`100.64.${hi}.${lo}/16`, `fd02::${h}/64`], mtu: 9000 },
      ],
    });
  }
  return JSON.stringify({
    apiVersion: "podnet/v1",
    cluster: {
      podCidrs: ["10.128.0.0/9", "fd00:10::/48"],
      serviceCidrs: ["10.96.0.0/12", "fd00:96::/112"],
      nodeMaskSize: { ipv4: 24, ipv6: 64 },
    },
    nodes,
    flannel: { version: "v0.28.9", iface: ["eth0"] },
    prep: { firewall: "firewalld" },
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

/**
 * CPU time (user + system, ms) of the children this process has waited for, from
 * /proc/self/stat (Linux; clock ticks of 10 ms); NaN elsewhere. Less disturbed than wall
 * time by other load on a shared machine.
 */
function childCpuMs(): number {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** CPU time medians, by the label timeProcess was given. */
const cpu: Record<string, number> = {};

/** Median wall time (ms) of RUNS processes `node ...args` (each must exit 0); the median CPU time goes to `cpu[label]`. */
function timeProcess(label: string, args: string[]): number {
  const ms: number[] = [];
  const cpuMs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const c0 = childCpuMs();
    const t0 = performance.now();
    const p = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    ms.push(performance.now() - t0);
    cpuMs.push(childCpuMs() - c0);
    if (p.status !== 0) throw new Error(`node ${args.join(" ")} exited ${p.status}: ${(p.stderr || p.stdout).slice(0, 2000)}`);
  }
  cpu[label] = median(cpuMs);
  return median(ms);
}

if (!existsSync(cliMain) || !existsSync(coreIndex)) {
  console.log("packages are not built: running pnpm build");
  const b = spawnSync(process.execPath, [join(root, "scripts/build.mjs")], { cwd: root, stdio: "inherit" });
  if (b.status !== 0) process.exit(b.status ?? 1);
}

const dir = mkdtempSync(join(tmpdir(), "podnet-bench-"));
try {
  const examples = join(root, "examples/cli");
  const smallest = readdirSync(examples)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => join(examples, f))
    .sort((a, b) => statSync(a).size - statSync(b).size)[0] as string;

  const nodeFloor = timeProcess("node_e0", ["-e", "0"]);
  const importCore = timeProcess("import_core", [
    "--input-type=module",
    "-e",
    `await import(${JSON.stringify(pathToFileURL(coreIndex).href)})`,
  ]);
  const small = timeProcess("validate_smallest", [cliMain, "validate", smallest]);
  const parseOnly = (label: string, file: string) =>
    timeProcess(label, [
      "--input-type=module",
      "-e",
      `const m = await import(${JSON.stringify(pathToFileURL(loadSpec).href)}); m.loadSpecFile(${JSON.stringify(file)});`,
    ]);
  console.log("whole process, median of", RUNS, "(shared, loaded machine)");
  console.log("wall ms (CPU ms: user + system)");
  console.log(`node -e 0                      ${nodeFloor.toFixed(0).padStart(6)} ms (${cpu.node_e0})`);
  console.log(`node: import compiled core     ${importCore.toFixed(0).padStart(6)} ms (${cpu.import_core})`);
  console.log(
    `podnet validate ${smallest.slice(root.length)}  ${small.toFixed(0).padStart(6)} ms (${cpu.validate_smallest}) = ${(small / importCore).toFixed(2)}x the import-core process, CPU ${((cpu.validate_smallest ?? 0) / (cpu.import_core ?? 1)).toFixed(2)}x (goal <= 1.5x)`,
  );

  const rows: Array<{ nodes: number; format: string; validate: number; parse: number; bytes: number }> = [];
  for (const n of SIZES) {
    for (const [format, text] of [
      ["yaml", benchYaml(n)],
      ["json", benchJson(n)],
    ] as const) {
      const file = join(dir, `nodes-${n}.${format}`);
      writeFileSync(file, text);
      rows.push({
        nodes: n,
        format,
        validate: timeProcess(`validate_${format}_${n}`, [cliMain, "validate", file]),
        parse: parseOnly(`parse_${format}_${n}`, file),
        bytes: text.length,
      });
    }
  }
  console.log("nodes  format    size   validate (CPU)      parse only: import load-spec + parse (CPU)");
  for (const r of rows)
    console.log(
      `${String(r.nodes).padStart(5)}  ${r.format.padEnd(6)} ${(r.bytes / 1e6).toFixed(1).padStart(5)} MB ${r.validate.toFixed(0).padStart(7)} ms (${cpu[`validate_${r.format}_${r.nodes}`]}) ${r.parse.toFixed(0).padStart(8)} ms (${cpu[`parse_${r.format}_${r.nodes}`]})`,
    );
  const get = (n: number, f: string) => rows.find((r) => r.nodes === n && r.format === f)?.validate ?? Number.NaN;
  const figures: Record<string, number> = {
    node_e0_ms: Math.round(nodeFloor),
    import_core_ms: Math.round(importCore),
    validate_smallest_ms: Math.round(small),
    smallest_over_import_core: Number((small / importCore).toFixed(2)),
  };
  for (const r of rows) {
    figures[`validate_${r.format}_${r.nodes}_ms`] = Math.round(r.validate);
    figures[`parse_${r.format}_${r.nodes}_ms`] = Math.round(r.parse);
  }
  for (const f of ["yaml", "json"]) figures[`scale_${f}_10k_over_1k`] = Number((get(10000, f) / get(1000, f)).toFixed(2));
  for (const [label, ms] of Object.entries(cpu)) figures[`${label}_cpu_ms`] = ms;
  console.log(
    `goals: 5k validate < 1000 ms (yaml ${get(5000, "yaml").toFixed(0)}, json ${get(5000, "json").toFixed(0)}); 10k/1k <= 11 (yaml ${figures.scale_yaml_10k_over_1k}, json ${figures.scale_json_10k_over_1k})`,
  );
  console.log(JSON.stringify(figures));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
