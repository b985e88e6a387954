/**
 * Pulumi unit tests without an engine: `pulumi.runtime.setMocks` with a
 * recorder of every registration, plus the readers the tests share (output
 * values, secret inputs as the mock monitor receives them, dependsOn, the
 * reasons of an InputPropertiesError, warnings). Nothing is deployed.
 *
 * Call `mockPulumi()` BEFORE `await import(...)` of the component module.
 */
import { createHash } from "node:crypto";
import { mock } from "node:test";
import * as pulumi from "@pulumi/pulumi";

/** One resource as the mock monitor saw it register. */
export interface Registered<I = Record<string, unknown>> {
  readonly type: string;
  readonly name: string;
  readonly inputs: I;
  /** The provider reference, when the resource was given one. */
  readonly provider?: string;
}

/** Outputs a provider would compute, merged over the inputs: by type token, or computed from type and name. */
export type ComputedOutputs =
  | Readonly<Record<string, Record<string, unknown>>>
  | ((type: string, name: string) => Record<string, unknown> | undefined);

export interface MockPulumiOptions {
  /** @default - no computed outputs: each resource's state is its inputs */
  readonly computed?: ComputedOutputs;
  /** @default "podnet" */
  readonly project?: string;
  /** @default "test" */
  readonly stack?: string;
}

/**
 * Installs Pulumi mocks (id `<name>-id`, state = inputs + computed outputs,
 * calls echo their inputs) and returns the list every registration is
 * appended to, in order.
 */
export function mockPulumi<I = Record<string, unknown>>(options: MockPulumiOptions = {}): Registered<I>[] {
  const registered: Registered<I>[] = [];
  const { computed } = options;
  pulumi.runtime.setMocks(
    {
      newResource: (a) => {
        registered.push({ type: a.type, name: a.name, inputs: a.inputs, ...(a.provider ? { provider: a.provider } : {}) });
        const extra = typeof computed === "function" ? computed(a.type, a.name) : computed?.[a.type];
        return { id: `${a.name}-id`, state: { ...a.inputs, ...extra } };
      },
      call: (a) => a.inputs,
    },
    options.project ?? "podnet",
    options.stack ?? "test",
    false,
  );
  return registered;
}

/**
 * Pulumi's special-value signature key and the value that marks a secret
 * (@pulumi/pulumi runtime/rpc.ts specialSigKey, specialSecretSig): a secret
 * input reaches the mock monitor as `{ [SPECIAL_SIG_KEY]: SECRET_SIG, value }`.
 */
export const SPECIAL_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** True when an input, as the mock monitor received it, was sent as a secret. */
export const isSecretInput = (v: unknown): boolean => typeof v === "object" && v !== null && Object.values(v).includes(SECRET_SIG);

/** The plain value of an input, unwrapped from the secret envelope when it is one. */
export const unwrap = (v: unknown): unknown => (isSecretInput(v) ? (v as { value: unknown }).value : v);

/** The value of an output (secrets too). */
export const outputValue = <T>(o: pulumi.Output<T>): Promise<T> => new Promise<T>((r) => o.apply(r));

/** Lets the mock monitor finish registering what was constructed (registrations are asynchronous). */
export const settle = (): Promise<unknown> => new Promise((r) => setTimeout(r, 100));

/** The reasons of an InputPropertiesError, one per line (empty for any other error). */
export const reasons = (e: unknown): string =>
  pulumi.InputPropertiesError.isInstance(e)
    ? (e as unknown as { errors: { reason: string }[] }).errors.map((x) => x.reason).join("\n")
    : "";

/** The sha256 of a text, in hex (what the remote commands carry as triggers). */
export const sha256 = (s: string): string => createHash("sha256").update(s).digest("hex");

/**
 * Records each child's dependsOn, by resource name, through a transformation
 * passed to the component (the mock monitor does not expose dependsOn).
 */
export function recorder(): { deps: Record<string, string[]>; transformations: pulumi.ResourceTransformation[] } {
  const deps: Record<string, string[]> = {};
  const transformations: pulumi.ResourceTransformation[] = [
    (a) => {
      deps[a.name] = ([] as unknown[]).concat(a.opts.dependsOn ?? []).map((d) => (d as { __name?: string }).__name ?? "?");
      return undefined;
    },
  ];
  return { deps, transformations };
}

/** The messages `pulumi.log.warn` was called with while `fn` ran. */
export function warningsOf(fn: () => unknown): string[] {
  const seen: string[] = [];
  const warn = mock.method(pulumi.log, "warn", (m: string) => {
    seen.push(m);
    return Promise.resolve();
  });
  try {
    fn();
  } finally {
    warn.mock.restore();
  }
  return seen;
}
