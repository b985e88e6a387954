/** The command tree. `run` never throws: every failure is an exit code and a message. */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import {
  checkSpec,
  type PlanContext,
  type PreviousAllocation,
  type RenderContext,
  renderSpec,
  renderSpecMap,
  specFileRefs,
} from "@podnet/core";
import { Command, CommanderError } from "commander";
import type { DoctorCommandOptions } from "./commands/doctor.js";
import { InputFileError, InputKind, parseJsonBounded, readInputText } from "./input-limits.js";
import { loadSpecFile, UsageError, withSpecWarnings } from "./load-spec.js";
import { type Io, printProblems, processIo } from "./output.js";
import { stableJson } from "./stable-json.js";
import { PODNET_VERSION } from "./version.js";
import type { WriteBundleResult } from "./write-bundle.js";

/** "1 node", "3 nodes". */
function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Reads the allocation from an earlier plan.json, so node subnets stay put. */
function readPrevious(file: string): PreviousAllocation {
  let data: unknown;
  try {
    data = parseJsonBounded(readInputText(file, InputKind.PLAN), file, InputKind.PLAN);
  } catch (e) {
    if (e instanceof InputFileError) throw new UsageError(`cannot read previous plan: ${e.message.replace(/^cannot read /, "")}`);
    throw new UsageError(`cannot read previous plan ${file}: ${(e as Error).message.split("\n")[0]}`);
  }
  return previousAllocation(data, file);
}

const ALLOCATION_SHAPE = '{"<node name>": {"ipv4": "<cidr>", "ipv6": "<cidr>"}} (what podnet render writes to DIR/plan.json)';

/** The `allocation` of a parsed plan.json, checked entry by entry: every problem is listed. */
export function previousAllocation(data: unknown, file: string): PreviousAllocation {
  const kind = (v: unknown) =>
    v === null ? "null" : Array.isArray(v) ? "a list" : typeof v === "object" ? "a mapping" : `${typeof v} ${JSON.stringify(v)}`;
  const alloc =
    data !== null && typeof data === "object" && !Array.isArray(data) ? (data as { allocation?: unknown }).allocation : undefined;
  if (alloc === undefined) throw new UsageError(`${file}: no "allocation" in this plan.json; expected ${ALLOCATION_SHAPE}`);
  if (alloc === null || typeof alloc !== "object" || Array.isArray(alloc))
    throw new UsageError(`${file}: "allocation" is ${kind(alloc)}; expected a mapping ${ALLOCATION_SHAPE}`);
  const bad: string[] = [];
  for (const [node, entry] of Object.entries(alloc)) {
    const path = `allocation[${JSON.stringify(node)}]`;
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
      bad.push(`${file}: ${path} is ${kind(entry)}; expected {"ipv4": "<cidr>", "ipv6": "<cidr>"} (one or both)`);
      continue;
    }
    for (const [family, cidr] of Object.entries(entry)) {
      if (family !== "ipv4" && family !== "ipv6") bad.push(`${file}: ${path}.${family}: unknown key; expected only "ipv4" and "ipv6"`);
      else if (typeof cidr !== "string")
        bad.push(`${file}: ${path}.${family} is ${kind(cidr)}; expected a CIDR string such as "10.244.1.0/24"`);
    }
  }
  if (bad.length > 0) throw new UsageError(`${bad.slice(0, 20).join("\n")}${bad.length > 20 ? `\n... and ${bad.length - 20} more` : ""}`);
  return alloc as PreviousAllocation;
}

/**
 * The certificate files the spec names (never keys or tokens), read relative to the spec
 * file; an unreadable one is left out and reported by the core with its spec path.
 */
function specFiles(spec: unknown, file: string): RenderContext {
  const baseDir = resolve(dirname(file));
  const files: Record<string, string> = {};
  for (const ref of specFileRefs(spec)) {
    try {
      files[ref.file] = readInputText(resolve(baseDir, ref.file), InputKind.PEM);
    } catch (e) {
      // a missing or unreadable file is reported as flannel.systemd.file-unread, with its spec path
      if (!(e instanceof InputFileError)) throw e;
      if (e.problem !== "missing" && e.problem !== "unreadable") throw new UsageError(`${file}: ${ref.path}: ${e.message}`);
    }
  }
  return { files, baseDir };
}

/** For an invalid spec, prints what `validate` prints and returns true; false (nothing printed) when valid. */
function rejected(io: Io, file: string, r: ReturnType<typeof checkSpec>): boolean {
  if (r.errors.length === 0) return false;
  printProblems(io, r.errors, r.warnings);
  io.err(
    `${file}: ${r.errors.length} error${r.errors.length === 1 ? "" : "s"}, ${r.warnings.length} warning${r.warnings.length === 1 ? "" : "s"}`,
  );
  return true;
}

/** The `podnet` command tree; each subcommand reports its exit code through setCode. */
export function buildProgram(io: Io, setCode: (code: number) => void): Command {
  const program = new Command("podnet")
    .description("Validate, plan and render Kubernetes pod networking (Flannel, Calico) from one spec.")
    .version(PODNET_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError();
  addValidateCommand(program, io, setCode);
  addPlanCommand(program, io, setCode);
  addRenderCommand(program, io, setCode);
  addMapCommand(program, io, setCode);
  addDiffCommand(program, io, setCode);
  addDoctorCommand(program, io, setCode);
  return program;
}

/** Adds `podnet validate FILE`: checks a spec, exit 0 when valid, 1 when not. */
function addValidateCommand(program: Command, io: Io, setCode: (code: number) => void): void {
  program
    .command("validate")
    .description("check a spec; exit 0 when valid, 1 when not")
    .argument("<file>", "spec file (YAML or JSON)")
    .action((file: string) => {
      const spec = loadSpecFile(file);
      const r = checkSpec(spec, specFiles(spec, file));
      if (rejected(io, file, r)) setCode(1);
      else {
        printProblems(io, r.errors, r.warnings);
        io.out(`${file}: valid (${plural(r.value?.plan.nodes.length ?? 0, "node")}, ${plural(r.warnings.length, "warning")})`);
      }
    });
}

/** Adds `podnet plan FILE`: prints the network plan (a table, or `--json` the plan document). */
function addPlanCommand(program: Command, io: Io, setCode: (code: number) => void): void {
  program
    .command("plan")
    .description("print the network plan: CIDRs, capacity, node subnets, per-node network facts and component flags")
    .argument("<file>", "spec file (YAML or JSON)")
    .option("--json", "print the plan document as JSON (what render writes to plan.json)")
    .option("--previous <plan.json>", "keep node subnets from an earlier plan.json")
    .option("--svg <file>", "also write the network map (SVG) there, drawn even when the spec is invalid")
    .option("--force", "with --svg: replace an existing file podnet did not write, or a symbolic link")
    .action(async (file: string, opts: { json?: boolean; previous?: string; svg?: string; force?: boolean }) => {
      const context: PlanContext = opts.previous ? { previous: readPrevious(opts.previous) } : {};
      const spec = loadSpecFile(file);
      // Read the certificate files once: the map and the check see the same contents.
      const withFiles = { ...context, ...specFiles(spec, file) };
      const r = checkSpec(spec, withFiles);
      printProblems(io, r.errors, r.warnings);
      if (opts.svg)
        (await import("./commands/map.js")).writeMap(
          io,
          file,
          opts.svg,
          renderSpecMap(spec, withFiles),
          { problems: false, announce: false },
          opts.force === true,
        );
      if (!r.value) {
        setCode(1);
        return;
      }
      // the same document render writes to plan.json, by the same writer
      if (opts.json) io.out(stableJson(r.value.document).trimEnd());
      else for (const line of (await import("./plan-table.js")).planTable(r.value.document)) io.out(line);
    });
}

/** Adds `podnet render FILE --out DIR`: writes the bundle into a folder, all or nothing. */
function addRenderCommand(program: Command, io: Io, setCode: (code: number) => void): void {
  program
    .command("render")
    .description("write manifests, per-node bundles and plan.json into a folder (all or nothing)")
    .argument("<file>", "spec file (YAML or JSON)")
    .requiredOption("--out <dir>", "output folder (replaced atomically)")
    .option("--previous <plan.json>", "keep node subnets from an earlier plan.json (default: <out>/plan.json when present)")
    .option("--force", "replace files podnet wrote into <out> even when they were changed since")
    .option("--keep-foreign", "carry files in <out> that podnet did not write over into the new bundle")
    .action(async (file: string, opts: { out: string; previous?: string; force?: boolean; keepForeign?: boolean }) => {
      const spec = loadSpecFile(file);
      if (opts.out.trim() === "") throw new UsageError("--out must name a folder");
      const [{ specDirFromBundle, writeBundle }, { RenderInterrupted, reraise }] = await Promise.all([
        import("./write-bundle.js"),
        import("./render-temp.js"),
      ]);
      const prevFile = opts.previous ?? (existsSync(join(opts.out, "plan.json")) ? join(opts.out, "plan.json") : undefined);
      const context: PlanContext = prevFile ? { previous: readPrevious(prevFile) } : {};
      const r = renderSpec(spec, { ...context, ...specFiles(spec, file), specDirFromBundle: specDirFromBundle(opts.out, file) });
      printProblems(io, r.errors, r.warnings);
      if (!r.value) {
        io.err(`${file}: nothing written to ${opts.out}`);
        setCode(1);
        return;
      }
      let result: WriteBundleResult;
      try {
        result = await writeBundle(r.value, opts.out, { specFile: file, force: opts.force, keepForeign: opts.keepForeign });
      } catch (e) {
        if (e instanceof UsageError) throw e;
        if (e instanceof RenderInterrupted) {
          io.err(`podnet: ${e.message}: removed the temporary folder; nothing under ${opts.out} was changed`);
          setCode(reraise(e.signal));
          return;
        }
        const err = e as NodeJS.ErrnoException;
        throw new UsageError(`cannot write ${opts.out}: ${err.code ?? err.message}; nothing was changed there`);
      }
      for (const name of result.removedStale) io.err(`removed ${name}, the temporary folder of an interrupted render`);
      for (const f of result.overwritten) io.err(`warning: --force: replaced ${join(opts.out, f)}`);
      const kept = result.kept.length > 0 ? `, kept ${result.kept.length} of yours: ${result.kept.join(", ")}` : "";
      io.out(`wrote ${result.written.length} files to ${opts.out}${prevFile ? ` (node subnets kept from ${prevFile})` : ""}${kept}`);
    });
}

/** Adds `podnet map FILE --out SVG`: draws the address space. */
function addMapCommand(program: Command, io: Io, setCode: (code: number) => void): void {
  program
    .command("map")
    .description("draw the address space as an SVG: pod, service, host and reserved networks, node subnets, overlaps in red")
    .argument("<file>", "spec file (YAML or JSON)")
    .requiredOption("--out <file>", "SVG file to write (- for standard output)")
    .option("--previous <plan.json>", "keep node subnets from an earlier plan.json")
    .option("--force", "replace an existing file podnet did not write, or a symbolic link")
    .action(async (file: string, opts: { out: string; previous?: string; force?: boolean }) => {
      const context: PlanContext = opts.previous ? { previous: readPrevious(opts.previous) } : {};
      const { mapCommand } = await import("./commands/map.js");
      setCode(mapCommand(io, file, opts, (spec) => ({ ...context, ...specFiles(spec, file) })));
    });
}

/** Adds `podnet diff OLD NEW`: what a spec change does to every artifact. */
function addDiffCommand(program: Command, io: Io, setCode: (code: number) => void): void {
  program
    .command("diff")
    .description("what changing OLD into NEW does to every artifact; exit 1 when it disrupts running pods")
    .argument("<old>", "the spec applied now")
    .argument("<new>", "the spec to apply")
    .option("--json", "print the diff as JSON")
    .option("--previous <plan.json>", "node subnets OLD was planned with (its plan.json)")
    .option("--allow-disruptive-change <path...>", "disruptive changes (paths as printed) to accept after migrating")
    .action(async (oldFile: string, newFile: string, opts: { json?: boolean; previous?: string; allowDisruptiveChange?: string[] }) => {
      const { diffCommand } = await import("./commands/diff.js");
      setCode(diffCommand(io, oldFile, newFile, opts, opts.previous ? { previous: readPrevious(opts.previous) } : {}, specFiles));
    });
}

/** Adds `podnet doctor FILE`: checks live nodes over SSH against the plan. */
function addDoctorCommand(program: Command, io: Io, setCode: (code: number) => void): void {
  const collect = (v: string, acc: string[]) => [...acc, v];
  program
    .command("doctor")
    .description("check live nodes over SSH against the plan; exit 0 healthy, 1 findings, 2 could not check")
    .argument("<file>", "spec file (YAML or JSON)")
    .option("--node <name>", "only this node (repeatable)", collect, [])
    .option("--json", "print the report as JSON")
    .option("--previous <plan.json>", "node subnets the cluster was rendered with (its plan.json)")
    .option("--ssh-option <option>", "extra ssh -o option, e.g. StrictHostKeyChecking=accept-new (repeatable)", collect, [])
    .option("--ssh-command <command>", "ssh program and leading arguments, split on spaces (default: ssh)")
    .option("--timeout <seconds>", "per node (default: 60)")
    .option("--parallel <n>", "nodes checked at once (default: 8)")
    .option("--fix-leases", "flannel etcd datastore: list subnet leases that do not match the plan (read-only)")
    .option("--yes", "with --fix-leases: delete the stale leases listed")
    .option("--etcdctl <path>", "etcdctl for --fix-leases (default: etcdctl)")
    .option("--nodes-json <file>", "the cluster's Node objects (kubectl get nodes -o json): check against their spec.podCIDRs")
    .option("--kube", "read the Node objects with kubectl over SSH on the spec's first control-plane node")
    .option("--remote-kubeconfig <path>", "with --kube: the kubeconfig on that node (default: /etc/kubernetes/admin.conf)")
    .option("--kubeconfig <file>", "read the Node objects with a local kubectl and this kubeconfig")
    .option("--kubectl <path>", "local kubectl for --kubeconfig (default: kubectl)")
    .action(async (file: string, opts: DoctorCommandOptions & { previous?: string }) => {
      const context: PlanContext = opts.previous ? { previous: readPrevious(opts.previous) } : {};
      // The same validation as `validate` (output and exit 1), before any node is contacted.
      const spec = loadSpecFile(file);
      if (rejected(io, file, checkSpec(spec, { ...context, ...specFiles(spec, file) }))) {
        setCode(1);
        return;
      }
      const { doctorCommand } = await import("./commands/doctor.js");
      setCode(await doctorCommand(io, file, opts, context));
    });
}

/** Runs the CLI with the given arguments; returns the exit code. */
export async function run(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => {
    code = Math.max(code, c);
  });
  const first = argv[0];
  if (first !== undefined && !first.startsWith("-") && first !== "help" && !program.commands.some((c) => c.name() === first)) {
    io.err(`podnet: unknown command "${first}"; commands: ${program.commands.map((c) => c.name()).join(", ")}`);
    return 2;
  }
  try {
    await withSpecWarnings(
      (m) => io.err(`warning: ${m}`),
      () => program.parseAsync([...argv], { from: "user" }),
    );
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; usage mistakes exit 2
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof UsageError) {
      io.err(`podnet: ${e.message}`);
      return 2;
    }
    io.err(`podnet: internal error: ${(e as Error).message} (please report this with the spec that caused it)`);
    return 3;
  }
  return code;
}
