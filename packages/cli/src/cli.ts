/** The command tree. `run` never throws: every failure is an exit code and a message. */
import { existsSync, readFileSync } from "node:fs";
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
import { diffCommand } from "./commands/diff.js";
import { type DoctorCommandOptions, doctorCommand } from "./commands/doctor.js";
import { mapCommand, writeMap } from "./commands/map.js";
import { loadSpecFile, UsageError } from "./load-spec.js";
import { type Io, printProblems, processIo } from "./output.js";
import { planTable } from "./plan-table.js";
import { stableJson } from "./stable-json.js";
import { writeBundle } from "./write-bundle.js";

/** Reads the allocation from an earlier plan.json, so node subnets stay put. */
function readPrevious(file: string): PreviousAllocation {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new UsageError(`cannot read previous plan ${file}: ${(e as Error).message.split("\n")[0]}`);
  }
  const alloc = (data as { allocation?: unknown })?.allocation;
  if (!alloc || typeof alloc !== "object") throw new UsageError(`${file}: no "allocation" in this plan.json`);
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
      files[ref.file] = readFileSync(resolve(baseDir, ref.file), "utf8");
    } catch {
      // reported as flannel.systemd.file-unread
    }
  }
  return { files, baseDir };
}

export function buildProgram(io: Io, setCode: (code: number) => void): Command {
  const program = new Command("podnet")
    .description("Validate, plan and render Kubernetes pod networking (Flannel, Calico) from one spec.")
    .version("0.1.0")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError();

  program
    .command("validate")
    .description("check a spec; exit 0 when valid, 1 when not")
    .argument("<file>", "spec file (YAML or JSON)")
    .action((file: string) => {
      const spec = loadSpecFile(file);
      const r = checkSpec(spec, specFiles(spec, file));
      printProblems(io, r.errors, r.warnings);
      if (r.errors.length > 0) {
        io.err(
          `${file}: ${r.errors.length} error${r.errors.length === 1 ? "" : "s"}, ${r.warnings.length} warning${r.warnings.length === 1 ? "" : "s"}`,
        );
        setCode(1);
      } else {
        io.out(`${file}: valid (${r.plan?.nodes.length ?? 0} nodes, ${r.warnings.length} warning${r.warnings.length === 1 ? "" : "s"})`);
      }
    });

  program
    .command("plan")
    .description("print the network plan: CIDRs, capacity, node subnets, per-node network facts and component flags")
    .argument("<file>", "spec file (YAML or JSON)")
    .option("--json", "print the plan document as JSON (what render writes to plan.json)")
    .option("--previous <plan.json>", "keep node subnets from an earlier plan.json")
    .option("--svg <file>", "also write the network map (SVG) there, drawn even when the spec is invalid")
    .action((file: string, opts: { json?: boolean; previous?: string; svg?: string }) => {
      const context: PlanContext = opts.previous ? { previous: readPrevious(opts.previous) } : {};
      const spec = loadSpecFile(file);
      const r = checkSpec(spec, { ...context, ...specFiles(spec, file) });
      printProblems(io, r.errors, r.warnings);
      if (opts.svg)
        writeMap(io, file, opts.svg, renderSpecMap(spec, { ...context, ...specFiles(spec, file) }), { problems: false, announce: false });
      if (!r.document || r.errors.length > 0) {
        setCode(1);
        return;
      }
      // the same document render writes to plan.json, by the same writer
      if (opts.json) io.out(stableJson(r.document).trimEnd());
      else for (const line of planTable(r.document)) io.out(line);
    });

  program
    .command("render")
    .description("write manifests, per-node bundles and plan.json into a folder (all or nothing)")
    .argument("<file>", "spec file (YAML or JSON)")
    .requiredOption("--out <dir>", "output folder (replaced atomically)")
    .option("--previous <plan.json>", "keep node subnets from an earlier plan.json (default: <out>/plan.json when present)")
    .action((file: string, opts: { out: string; previous?: string }) => {
      const spec = loadSpecFile(file);
      if (opts.out.trim() === "") throw new UsageError("--out must name a folder");
      const prevFile = opts.previous ?? (existsSync(join(opts.out, "plan.json")) ? join(opts.out, "plan.json") : undefined);
      const context: PlanContext = prevFile ? { previous: readPrevious(prevFile) } : {};
      const r = renderSpec(spec, { ...context, ...specFiles(spec, file) });
      printProblems(io, r.errors, r.warnings);
      if (!r.bundle) {
        io.err(`${file}: nothing written to ${opts.out}`);
        setCode(1);
        return;
      }
      let written: string[];
      try {
        written = writeBundle(r.bundle, opts.out, file);
      } catch (e) {
        if (e instanceof UsageError) throw e;
        const err = e as NodeJS.ErrnoException;
        throw new UsageError(`cannot write ${opts.out}: ${err.code ?? err.message}; nothing was changed there`);
      }
      io.out(`wrote ${written.length} files to ${opts.out}${prevFile ? ` (node subnets kept from ${prevFile})` : ""}`);
    });

  program
    .command("map")
    .description("draw the address space as an SVG: pod, service, host and reserved networks, node subnets, overlaps in red")
    .argument("<file>", "spec file (YAML or JSON)")
    .requiredOption("--out <file>", "SVG file to write (- for standard output)")
    .option("--previous <plan.json>", "keep node subnets from an earlier plan.json")
    .action((file: string, opts: { out: string; previous?: string }) => {
      const context: PlanContext = opts.previous ? { previous: readPrevious(opts.previous) } : {};
      setCode(mapCommand(io, file, opts, (spec) => ({ ...context, ...specFiles(spec, file) })));
    });

  program
    .command("diff")
    .description("what changing OLD into NEW does to every artifact; exit 1 when it disrupts running pods")
    .argument("<old>", "the spec applied now")
    .argument("<new>", "the spec to apply")
    .option("--json", "print the diff as JSON")
    .option("--previous <plan.json>", "node subnets OLD was planned with (its plan.json)")
    .option("--allow-disruptive-change <path...>", "disruptive changes (paths as printed) to accept after migrating")
    .action((oldFile: string, newFile: string, opts: { json?: boolean; previous?: string; allowDisruptiveChange?: string[] }) => {
      setCode(diffCommand(io, oldFile, newFile, opts, opts.previous ? { previous: readPrevious(opts.previous) } : {}, specFiles));
    });

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
    .action(async (file: string, opts: DoctorCommandOptions & { previous?: string }) => {
      setCode(await doctorCommand(io, file, opts, opts.previous ? { previous: readPrevious(opts.previous) } : {}));
    });

  return program;
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
    await program.parseAsync([...argv], { from: "user" });
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
