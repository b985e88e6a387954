/**
 * Maps core validation problems to Pulumi errors before any child resource
 * exists: InputPropertiesError names each bad property and why.
 */
import { formatProblem, NetworkPlanError, type Problem } from "@podnet/core";
import * as pulumi from "@pulumi/pulumi";

/** Runs a core call; a NetworkPlanError becomes an InputPropertiesError listing every problem. */
export function validated<T>(componentName: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof NetworkPlanError) {
      throw new pulumi.InputPropertiesError({
        message: `${componentName}: ${e.problems.length} problem${e.problems.length === 1 ? "" : "s"} in the network spec`,
        errors: e.problems.map((p) => ({ propertyPath: p.path, reason: formatProblem(p) })),
      });
    }
    throw e;
  }
}

/** Logs warnings on the component (they never stop a deployment). */
export function logWarnings(resource: pulumi.Resource, warnings: readonly Problem[]): void {
  for (const w of warnings) pulumi.log.warn(formatProblem(w), resource);
}
