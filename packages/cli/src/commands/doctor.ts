/**
 * `podnet doctor FILE [--node NAME...] [--json]`: checks live nodes against the
 * plan. Over SSH (the nodes' `ssh` settings, OpenSSH in BatchMode) each node
 * runs one read-only collection script; the core compares its facts with what
 * the spec's components expect and reports every finding with the fix.
 *
 * In the kube subnet manager modes the plan's node subnets are a prediction
 * (kube-controller-manager assigns them in registration order): with
 * `--nodes-json`, `--kube` or `--kubeconfig` doctor reads the Node objects and
 * checks against the cluster's assignment (doctor-cluster.ts); without them a
 * node holding another subnet than predicted is information, not a finding.
 *
 * `--fix-leases` (flannel with the etcd datastore) lists the subnet leases that
 * no longer match the plan, and deletes them only with `--yes`, after printing them.
 *
 * Exit: 0 healthy, 1 findings (or stale leases left in place), 2 could not
 * check (unreachable node, a check that could not run, invalid spec, usage).
 */
import { dirname, resolve } from "node:path";
import {
  type DoctorPlan,
  doctorExitCode,
  type Finding,
  formatProblem,
  type NodeDiagnosis,
  type PerFamily,
  type PlanContext,
  planDoctor,
} from "@podnet/core";
import {
  applyClusterFacts,
  diagnose,
  type NodeFacts,
  nodeFacts,
  observedSubnets,
  renderDoctorCollectScript,
  reviewFlannelLeases,
} from "@podnet/core/internal";
import { loadSpecFile, UsageError } from "../load-spec.js";
import { type Io, printProblems } from "../output.js";
import { stableJson } from "../stable-json.js";
import { type ClusterSourceOptions, readClusterFacts } from "./doctor-cluster.js";
import { etcdctlLeaseStore, type LeaseStore, LeaseStoreError } from "./doctor-etcd.js";
import { buildReport, type NodeReport, nodeReport, reportLines, unreachableReport } from "./doctor-report.js";
import { inParallel, runWithInput, type SshSettings, sshArgv } from "./doctor-ssh.js";

/** The `podnet doctor` flags, as commander parses them. */
export interface DoctorCommandOptions extends ClusterSourceOptions {
  /** Only these nodes. */
  readonly node?: readonly string[];
  readonly json?: boolean;
  /** Extra ssh `-o` options. */
  readonly sshOption?: readonly string[];
  /** The ssh program and leading arguments, split on spaces. @default "ssh" */
  readonly sshCommand?: string;
  /** Seconds per node. @default "60" */
  readonly timeout?: string;
  /** Nodes checked at the same time. @default "8" */
  readonly parallel?: string;
  readonly fixLeases?: boolean;
  readonly yes?: boolean;
  /** @default "etcdctl" */
  readonly etcdctl?: string;
}

/** Test seams: where leases live. */
export interface DoctorDeps {
  readonly leaseStore?: (doctor: DoctorPlan) => LeaseStore;
}

function positive(value: string | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 3600)
    throw new UsageError(`${what}: ${JSON.stringify(value)} must be a whole number from 1 to 3600`);
  return n;
}

interface Collected {
  readonly node: string;
  readonly host?: string;
  readonly facts?: NodeFacts;
  readonly error?: string;
}

function classify(node: string, host: string | undefined, r: Awaited<ReturnType<typeof runWithInput>>, timeoutS: number): Collected {
  const base = { node, ...(host ? { host } : {}) };
  if (r.error) return { ...base, error: `cannot run ssh: ${r.error}` };
  if (r.timedOut) return { ...base, error: `no answer within ${timeoutS} s (ssh killed)` };
  const facts = nodeFacts(r.stdout);
  if (facts.sections.size === 0) {
    const last = r.stderr.trim().split("\n").pop() ?? "";
    return {
      ...base,
      error:
        r.code === 255
          ? `ssh: ${last || "connection failed (exit 255)"}`
          : `the collection script did not run (exit ${r.code}): ${last || "no output"}`,
    };
  }
  return { ...base, facts };
}

/** The `podnet doctor` action; returns the exit code. */
export async function doctorCommand(
  io: Io,
  file: string,
  opts: DoctorCommandOptions,
  context: PlanContext = {},
  deps: DoctorDeps = {},
): Promise<number> {
  const spec = loadSpecFile(file);
  // 60 s per node: the collection takes about 1 s (firewalld's Python tools most of it); a slow link fits.
  const timeoutS = positive(opts.timeout, 60, "--timeout");
  // 8 sessions at once stays below sshd's default MaxStartups (10) when doctor runs from a bastion.
  const parallel = positive(opts.parallel, 8, "--parallel");
  const r = planDoctor(spec, context);
  printProblems(io, r.errors, r.warnings);
  const planned = r.value;
  if (!planned) {
    io.err(`${file}: doctor needs a valid spec (podnet validate ${file}); no node was checked`);
    return 2;
  }
  let doctor: DoctorPlan = planned;
  const baseDir = resolve(dirname(file));
  if (opts.fixLeases) {
    const store =
      deps.leaseStore?.(doctor) ??
      (doctor.leases
        ? etcdctlLeaseStore(doctor.leases, { etcdctl: opts.etcdctl ?? "etcdctl", baseDir, timeoutMs: timeoutS * 1000 })
        : undefined);
    if (!doctor.leases || !store) {
      throw new UsageError(
        "--fix-leases works on flannel's etcd datastore (flannel.mode: systemd with systemd.datastore: etcd); this spec has none",
      );
    }
    return fixLeases(io, doctor, store, opts);
  }
  const wanted = opts.node ?? [];
  const unknown = wanted.filter((n) => !doctor.nodes.some((x) => x.node === n));
  if (unknown.length > 0)
    throw new UsageError(`--node ${unknown.join(", ")}: not in ${file} (nodes: ${doctor.nodes.map((n) => n.node).join(", ")})`);
  const selected = wanted.length > 0 ? doctor.nodes.filter((n) => wanted.includes(n.node)) : doctor.nodes;
  if (selected.length === 0) throw new UsageError(`${file} lists no nodes to check`);
  const settings = sshSettings(opts, timeoutS, baseDir);
  // The cluster's own assignment of node subnets, when doctor was told where to read it.
  const cluster = await readClusterFacts(opts, doctor, settings);
  let clusterInfo: ReadonlyMap<string, readonly Finding[]> = new Map();
  if (cluster) {
    const applied = applyClusterFacts(doctor, cluster);
    doctor = applied.doctor;
    clusterInfo = applied.info;
  }
  const expected = wanted.length > 0 ? doctor.nodes.filter((n) => wanted.includes(n.node)) : doctor.nodes;
  const script = renderDoctorCollectScript(doctor.collect);

  const collected = await inParallel(expected, parallel, async (e): Promise<Collected> => {
    const planned = doctor.plan.nodes[e.index];
    const host = planned?.ssh?.host;
    if (!planned) return { node: e.node, error: "not in the plan" };
    const argv = sshArgv(planned, settings);
    if ("problem" in argv) return { node: e.node, error: argv.problem };
    return classify(e.node, host, await runWithInput(argv.argv, script, settings.timeoutMs), timeoutS);
  });

  const { diagnoses, reports } = diagnoseCollected(doctor, expected, collected, clusterInfo);
  const unreachable = reports.filter((x) => x.status === "unreachable").length;
  const code = doctorExitCode(diagnoses, unreachable);
  const notes = [...new Set(expected.flatMap((e) => e.notes))];
  const report = buildReport(doctor.network, reports, notes, code);
  if (opts.json) io.out(stableJson(report).trimEnd());
  else for (const line of reportLines(report)) io.out(line);
  return code;
}

/** The ssh program (--ssh-command split on spaces), its -o options and the per-node timeout. */
function sshSettings(opts: DoctorCommandOptions, timeoutS: number, baseDir: string): SshSettings {
  const sshCommand = (opts.sshCommand ?? "ssh").split(/\s+/).filter((w) => w !== "");
  if (sshCommand.length === 0) throw new UsageError("--ssh-command: empty");
  return { command: sshCommand, options: opts.sshOption ?? [], timeoutMs: timeoutS * 1000, baseDir };
}

/** Diagnoses each node whose facts were collected; the others are reported unreachable. */
function diagnoseCollected(
  doctor: DoctorPlan,
  expected: DoctorPlan["nodes"],
  collected: readonly Collected[],
  clusterInfo: ReadonlyMap<string, readonly Finding[]>,
): { diagnoses: NodeDiagnosis[]; reports: NodeReport[] } {
  // Routes to other nodes follow the subnets those nodes really hold, so one stale lease is one finding.
  const peerSubnets: Record<string, PerFamily<string>> = {};
  for (const c of collected) {
    const e = doctor.nodes.find((n) => n.node === c.node);
    const seen = e && c.facts ? observedSubnets(e, c.facts) : undefined;
    if (seen) peerSubnets[c.node] = seen;
  }
  const diagnoses: NodeDiagnosis[] = [];
  const reports: NodeReport[] = collected.map((c) => {
    const e = expected.find((n) => n.node === c.node);
    if (!c.facts || !e) return unreachableReport(c.node, c.error ?? "no facts", c.host);
    const found = diagnose(e, c.facts, { peerSubnets });
    const d = { ...found, info: [...(clusterInfo.get(c.node) ?? []), ...found.info] };
    diagnoses.push(d);
    return nodeReport(d, c.host);
  });
  return { diagnoses, reports };
}

async function fixLeases(io: Io, doctor: DoctorPlan, store: LeaseStore, opts: DoctorCommandOptions): Promise<number> {
  const expected = doctor.leases;
  if (!expected) return 2;
  let leases: Awaited<ReturnType<LeaseStore["list"]>>;
  try {
    leases = await store.list();
  } catch (e) {
    io.err(`podnet: cannot list the leases in etcd ${store.where}: ${(e as Error).message}`);
    return 2;
  }
  const review = reviewFlannelLeases(expected, leases);
  const out = (line: string) => (opts.json ? io.err(line) : io.out(line));
  out(`etcd ${store.where}: ${leases.length} key${leases.length === 1 ? "" : "s"} under ${expected.prefix}/subnets/`);
  for (const k of review.kept) out(`  ok     ${k.key} (node "${k.node}")`);
  for (const s of review.stale) out(`  stale  ${s.key} ${s.value}: ${s.reason}`);
  for (const i of review.ignored) out(`  skip   ${i.key}: ${i.reason}`);
  const result = { apiVersion: "podnet/v1", kind: "LeaseReview", ...review, deleted: [] as string[] };
  if (review.stale.length === 0) {
    out("no stale leases");
    if (opts.json) io.out(stableJson(result).trimEnd());
    return 0;
  }
  if (!opts.yes) {
    out(
      `run again with --fix-leases --yes to delete ${review.stale.length === 1 ? "this stale lease" : `these ${review.stale.length} stale leases`}, then restart flanneld on the nodes named`,
    );
    if (opts.json) io.out(stableJson(result).trimEnd());
    return 1;
  }
  let failed = 0;
  for (const s of review.stale) {
    try {
      await store.remove(s.key);
      result.deleted.push(s.key);
      out(`deleted ${s.key}`);
    } catch (e) {
      failed++;
      io.err(
        `podnet: could not delete ${s.key}: ${e instanceof LeaseStoreError ? e.message : formatProblem({ path: s.key, code: "etcd", message: String(e) })}`,
      );
    }
  }
  const nodes = [...new Set(review.stale.flatMap((s) => (s.node ? [s.node] : [])))];
  if (nodes.length > 0)
    out(`now restart flanneld on ${nodes.map((n) => `"${n}"`).join(", ")} (systemctl restart flanneld) so it takes its planned subnet`);
  if (opts.json) io.out(stableJson(result).trimEnd());
  return failed > 0 ? 2 : 0;
}
