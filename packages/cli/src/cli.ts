/** The command tree. `run` never throws: every failure is an exit code and a message. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { checkSpec, type PlanContext, type PreviousAllocation, renderSpec } from "@podnet/core";
import { Command, CommanderError } from "commander";
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
      const r = checkSpec(loadSpecFile(file));
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
    .description("print the network plan: CIDRs, capacity, node subnets and component flags")
    .argument("<file>", "spec file (YAML or JSON)")
    .option("--json", "print the plan as JSON")
    .option("--previous <plan.json>", "keep node subnets from an earlier plan.json")
    .action((file: string, opts: { json?: boolean; previous?: string }) => {
      const context: PlanContext = opts.previous ? { previous: readPrevious(opts.previous) } : {};
      const r = checkSpec(loadSpecFile(file), context);
      printProblems(io, r.errors, r.warnings);
      if (!r.plan || r.errors.length > 0) {
        setCode(1);
        return;
      }
      if (opts.json) io.out(stableJson(r.plan).trimEnd());
      else for (const line of planTable(r.plan)) io.out(line);
    });

  program
    .command("render")
    .description("write manifests, per-node bundles and plan.json into a folder (all or nothing)")
    .argument("<file>", "spec file (YAML or JSON)")
    .requiredOption("--out <dir>", "output folder (replaced atomically)")
    .option("--previous <plan.json>", "keep node subnets from an earlier plan.json (default: <out>/plan.json when present)")
    .action((file: string, opts: { out: string; previous?: string }) => {
      const spec = loadSpecFile(file);
      const prevFile = opts.previous ?? (existsSync(join(opts.out, "plan.json")) ? join(opts.out, "plan.json") : undefined);
      const context: PlanContext = prevFile ? { previous: readPrevious(prevFile) } : {};
      const r = renderSpec(spec, context);
      printProblems(io, r.errors, r.warnings);
      if (!r.bundle) {
        io.err(`${file}: nothing written to ${opts.out}`);
        setCode(1);
        return;
      }
      let written: string[];
      try {
        written = writeBundle(r.bundle, opts.out);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        throw new UsageError(`cannot write ${opts.out}: ${err.code ?? err.message}; nothing was changed there`);
      }
      io.out(`wrote ${written.length} files to ${opts.out}${prevFile ? ` (node subnets kept from ${prevFile})` : ""}`);
    });

  return program;
}

/** Runs the CLI with the given arguments; returns the exit code. */
export async function run(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => {
    code = Math.max(code, c);
  });
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
