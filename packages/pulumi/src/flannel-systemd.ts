/**
 * FlannelNetwork mode `systemd` in Pulumi: the core's node units, run over SSH
 * with @pulumi/command, six resources per node in the order
 * uninstall-holder -> certs -> (datastore config) -> binaries -> config -> start -> verify.
 *
 * - Each step is its own node-layer scope (`/var/lib/podnet/flannel-<step>`), so
 *   a step's install never prunes another's units; one `uninstall` command per
 *   node holds every step's uninstall.sh and runs them, last step first, on
 *   `pulumi destroy` (it is created first, so it is deleted last).
 * - The etcd config-writing script runs once, on the config node, after its
 *   certificate is in place; every node's binaries wait for it.
 * - Keys, tokens and the kubeconfig travel only inside secret Outputs.
 */
import { createHash } from "node:crypto";
import {
  FLANNEL_KUBE_NAMES,
  type FlannelNetworkOptions,
  type FlannelSystemdMaterial,
  type FlannelSystemdPlan,
  flanneldCertificateSpec,
  flannelNetworkSchema,
  flannelStepInstall,
  flannelSystemdNodeStates,
  flannelSystemdObjects,
  flannelTokenPendingInstall,
  flannelUninstallDriver,
  NetworkPlanError,
  type NodeState,
  nodeScriptCommand,
  type PodCidrPlan,
  type Problem,
  Problems,
  planFlannelSystemd,
  renderFlannelEtcdWriteConfig,
  zodProblems,
} from "@podnet/core";
import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type CertificateAuthorityArgs, FlanneldCertificate } from "./flannel-certs.js";

/** Pulumi-only inputs of mode systemd: connections and PEM material that arrives late. */
export interface FlannelSystemdHostArgs {
  /** SSH private key for every node, or one per node name; always a secret. */
  readonly privateKey: pulumi.Input<string> | Readonly<Record<string, pulumi.Input<string>>>;
  /** Run the scripts with `sudo -n`. @default - when a node's ssh.user is not root */
  readonly sudo?: boolean;
  /** etcd with TLS: the CA etcd trusts for clients; podnet signs flanneld's certificate with it. @default - a new CA (see `certificate.caCertPem`) */
  readonly etcdCa?: CertificateAuthorityArgs;
  /** CA of etcd's server certificate (`--etcd-cafile`). @default - etcdCa.certPem (or the new CA) */
  readonly etcdServerCaPem?: pulumi.Input<string>;
  /** Use this client certificate instead of creating one (key stored as a secret). @default - created with @pulumi/tls */
  readonly etcdClientCert?: { readonly certPem: pulumi.Input<string>; readonly keyPem: pulumi.Input<string> };
  /** kube-subnet-mgr: the cluster CA (PEM) for the kubeconfig. */
  readonly kubeCaPem?: pulumi.Input<string>;
  /** kube-subnet-mgr: the ServiceAccount token (secret). @default - read from the token Secret podnet creates */
  readonly kubeToken?: pulumi.Input<string>;
}

/** What one node got. */
export interface FlannelSystemdNodeResources {
  readonly uninstall: command.remote.Command;
  readonly certs?: command.remote.Command;
  readonly binaries: command.remote.Command;
  readonly config: command.remote.Command;
  readonly start: command.remote.Command;
  readonly verify: command.remote.Command;
}

export interface FlannelSystemdResources {
  readonly certificate?: FlanneldCertificate;
  /** etcd: the config-writing script run on the config node. */
  readonly datastore?: command.remote.Command;
  /** kube-subnet-mgr: ServiceAccount, ClusterRole, binding, token Secret. */
  readonly objects: Readonly<Record<string, pulumi.CustomResource>>;
  /** kube-subnet-mgr: flanneld's kubeconfig (secret). */
  readonly kubeconfig?: pulumi.Output<string>;
  readonly nodes: Readonly<Record<string, FlannelSystemdNodeResources>>;
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * The CLI's file fields: Pulumi reads no files, so each is an error naming the `hosts` argument
 * that carries the same material (the same field would otherwise mean one thing per front end).
 */
function cliFileFields(sp: FlannelSystemdPlan): Array<{ propertyPath: string; reason: string }> {
  const out: Array<{ propertyPath: string; reason: string }> = [];
  const field = (path: string, value: string | undefined, instead: string) => {
    if (value !== undefined)
      out.push({
        propertyPath: path,
        reason: `${path}: ${JSON.stringify(value)} is a file for the CLI (podnet render); Pulumi reads no files and would ignore it: remove it and ${instead}`,
      });
  };
  const tls = sp.etcd ? sp.systemd.etcd?.tls : undefined;
  field(
    "systemd.etcd.tls.caFile",
    tls?.caFile,
    "pass the PEM of etcd's server CA as hosts.etcdServerCaPem (or hosts.etcdCa, the CA podnet signs flanneld's certificate with)",
  );
  field(
    "systemd.etcd.tls.certFile",
    tls?.certFile,
    "pass your client certificate as hosts.etcdClientCert.certPem, or leave it out and podnet issues one with @pulumi/tls",
  );
  field(
    "systemd.etcd.tls.keyFile",
    tls?.keyFile,
    "pass its key as hosts.etcdClientCert.keyPem (a secret), or leave it out and podnet issues one with @pulumi/tls",
  );
  const kube = sp.kube;
  field("systemd.kubeSubnetMgr.caFile", kube?.caFile, "pass the cluster CA's PEM as hosts.kubeCaPem");
  field(
    "systemd.kubeSubnetMgr.tokenFile",
    kube?.tokenFile,
    `pass the token as hosts.kubeToken (a secret), or leave it out and podnet reads it from the Secret ${kube?.namespace ?? "kube-system"}/${FLANNEL_KUBE_NAMES.tokenSecret} it creates`,
  );
  return out;
}

/** Checks the Pulumi inputs against the plan before any child exists; throws InputPropertiesError. */
export function checkFlannelSystemdHosts(sp: FlannelSystemdPlan, host: FlannelSystemdHostArgs | undefined): void {
  const errors: Array<{ propertyPath: string; reason: string }> = cliFileFields(sp);
  if (!host) {
    errors.push({ propertyPath: "hosts", reason: 'hosts: mode "systemd" needs hosts: { privateKey, ... } to reach the nodes over SSH' });
  } else {
    const pk = host.privateKey;
    const keys =
      typeof pk === "object" && !pulumi.Output.isInstance(pk) && !(pk instanceof Promise) ? (pk as Record<string, unknown>) : undefined;
    for (const n of sp.nodes) {
      if (!n.ssh)
        errors.push({
          propertyPath: `plan.nodes[${n.index}].ssh`,
          reason: `plan.nodes[${n.index}].ssh: node "${n.node}" has no ssh connection; set nodes[].ssh.host`,
        });
      if (keys && keys[n.node] === undefined)
        errors.push({
          propertyPath: `hosts.privateKey.${n.node}`,
          reason: `hosts.privateKey: no key for node "${n.node}"; give one key for all nodes or one per node name`,
        });
    }
    if (sp.etcd?.tls && host.etcdClientCert && host.etcdServerCaPem === undefined && host.etcdCa === undefined) {
      errors.push({
        propertyPath: "hosts.etcdServerCaPem",
        reason: "hosts.etcdServerCaPem: with your own etcdClientCert, give the CA of etcd's server certificate (--etcd-cafile) too",
      });
    }
    if (sp.kube && host.kubeCaPem === undefined) {
      errors.push({
        propertyPath: "hosts.kubeCaPem",
        reason: "hosts.kubeCaPem: datastore kube-subnet-mgr needs the cluster CA (PEM) for flanneld's kubeconfig",
      });
    }
  }
  if (errors.length > 0)
    throw new pulumi.InputPropertiesError({ message: `FlannelNetwork: ${errors.length} problem${errors.length === 1 ? "" : "s"}`, errors });
}

/** The config node: the configured one, else the first etcd member, else the first node. */
function configNode(sp: FlannelSystemdPlan): string {
  const wanted = sp.systemd.etcd?.configNode;
  return wanted ?? sp.nodes.find((n) => n.etcdLocal)?.node ?? (sp.nodes[0]?.node as string);
}

/** Creates the children of mode systemd under `parent`. */
export function createFlannelSystemd(
  parent: pulumi.ComponentResource,
  name: string,
  sp: FlannelSystemdPlan,
  host: FlannelSystemdHostArgs,
  opts: { readonly dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]> | pulumi.Input<pulumi.Resource> },
): FlannelSystemdResources {
  const child = { parent };
  // 1. Credentials: the etcd client certificate, or the kube objects and the token.
  let certificate: FlanneldCertificate | undefined;
  const material: { -readonly [K in keyof FlannelSystemdMaterial]?: pulumi.Output<string> } = {};
  if (sp.etcd?.tls) {
    if (host.etcdClientCert) {
      material.etcdCert = pulumi.output(host.etcdClientCert.certPem);
      material.etcdKey = pulumi.secret(host.etcdClientCert.keyPem);
    } else {
      const p = new Problems();
      const spec = flanneldCertificateSpec(sp.systemd.certificate, "flannel.systemd.certificate", p);
      if (!spec) throw new NetworkPlanError(p.errors, p.warnings);
      certificate = new FlanneldCertificate(`${name}-etcd-client`, { spec, ...(host.etcdCa ? { ca: host.etcdCa } : {}) }, child);
      material.etcdCert = certificate.certPem;
      material.etcdKey = certificate.keyPem;
    }
    material.etcdCa = pulumi.output(host.etcdServerCaPem ?? host.etcdCa?.certPem ?? certificate?.caCertPem ?? "");
  }
  const objects: Record<string, pulumi.CustomResource> = {};
  if (sp.kube) {
    for (const o of flannelSystemdObjects(sp)) {
      const Kind = {
        ClusterRole: k8s.rbac.v1.ClusterRole,
        ClusterRoleBinding: k8s.rbac.v1.ClusterRoleBinding,
        ServiceAccount: k8s.core.v1.ServiceAccount,
        Secret: k8s.core.v1.Secret,
      }[o.kind as "ClusterRole"];
      const dependsOn = o.kind === "ClusterRoleBinding" ? [objects.ClusterRole] : o.kind === "Secret" ? [objects.ServiceAccount] : [];
      objects[o.kind] = new Kind(`${name}-${o.kind.toLowerCase()}`, o as never, {
        parent,
        dependsOn: dependsOn.filter((d) => d !== undefined),
      });
    }
    material.kubeCa = pulumi.output(host.kubeCaPem as pulumi.Input<string>);
    const kube = sp.kube;
    // The token controller fills data.token once the Secret exists; read it back after creation.
    // It may still be empty right after creation: then the certs step fails (see below).
    material.kubeToken = pulumi.secret(
      host.kubeToken ??
        k8s.core.v1.Secret.get(`${name}-token-read`, `${kube.namespace}/flannel-token`, {
          parent,
          dependsOn: [objects.Secret as pulumi.Resource],
        }).data.apply((d) => Buffer.from(d?.token ?? "", "base64").toString("utf8")),
    );
  }

  // The units: non-secret steps from material without key and token; the certs step with them, secret.
  const resolve = (m: FlannelSystemdMaterial): NodeState[] => {
    const p = new Problems();
    const states = flannelSystemdNodeStates(sp, m, p);
    if (!p.ok) throw new pulumi.ResourceError(`FlannelNetwork: ${p.errors.map((e) => e.message).join("; ")}`, parent);
    return states;
  };
  const plainInputs = pulumi.all([material.etcdCa, material.etcdCert, material.kubeCa]);
  const plain = plainInputs.apply(([etcdCa, etcdCert, kubeCa]) =>
    resolve({
      ...(etcdCa !== undefined ? { etcdCa } : {}),
      ...(etcdCert !== undefined ? { etcdCert } : {}),
      ...(kubeCa !== undefined ? { kubeCa } : {}),
    }),
  );
  // An empty token read from the Secret: the token controller has not filled it in yet.
  const tokenPending = (token: string | undefined) => sp.kube !== undefined && host.kubeToken === undefined && token === "";
  const secret: pulumi.Output<NodeState[] | undefined> = pulumi.secret(
    pulumi
      .all([material.etcdCa, material.etcdCert, material.etcdKey, material.kubeCa, material.kubeToken])
      .apply(([etcdCa, etcdCert, etcdKey, kubeCa, kubeToken]) =>
        tokenPending(kubeToken)
          ? undefined
          : resolve({
              ...(etcdCa !== undefined ? { etcdCa } : {}),
              ...(etcdCert !== undefined ? { etcdCert } : {}),
              ...(etcdKey !== undefined ? { etcdKey } : {}),
              ...(kubeCa !== undefined ? { kubeCa } : {}),
              ...(kubeToken !== undefined ? { kubeToken } : {}),
            }),
      ),
  );
  const kubeconfig = sp.kube
    ? pulumi.secret(
        secret.apply(
          (states) =>
            states?.[0]?.units.find((u) => u.id === "flannel/certs")?.files.find((f) => f.path === sp.kube?.kubeconfigPath)?.content ?? "",
        ),
      )
    : undefined;

  // flannel/secrets is the CLI's staging step; Pulumi places the key in flannel/certs itself.
  const stateOf = (states: NodeState[], node: string): NodeState => {
    const state = states.find((s) => s.node === node);
    return { node, units: (state?.units ?? []).filter((u) => u.id !== "flannel/secrets") };
  };

  // 2. The datastore config (etcd), once, on the config node after its certificate.
  const nodes: Record<string, FlannelSystemdNodeResources> = {};
  let datastore: command.remote.Command | undefined;
  const writeConfig = sp.etcd
    ? renderFlannelEtcdWriteConfig(sp.etcd, { caFile: sp.certPaths.ca, certFile: sp.certPaths.cert, keyFile: sp.certPaths.key })
    : undefined;
  const cfgNode = configNode(sp);

  const connectionOf = (node: string) => {
    const n = sp.nodes.find((x) => x.node === node);
    const ssh = n?.ssh as NonNullable<NonNullable<typeof n>["ssh"]>;
    const pk = host.privateKey;
    const keys =
      typeof pk === "object" && !pulumi.Output.isInstance(pk) && !(pk instanceof Promise)
        ? (pk as Record<string, pulumi.Input<string>>)
        : undefined;
    return {
      connection: {
        host: ssh.host,
        port: ssh.port,
        user: ssh.user,
        privateKey: pulumi.secret(keys ? (keys[node] as pulumi.Input<string>) : (pk as pulumi.Input<string>)),
      },
      run: nodeScriptCommand({ sudo: host.sudo ?? ssh.user !== "root" }),
    };
  };

  // Node order: the config node first, so the datastore step can follow its certificate.
  const ordered = [...sp.nodes].sort((a, b) => (a.node === cfgNode ? -1 : b.node === cfgNode ? 1 : a.index - b.index));
  for (const n of ordered) {
    const { connection, run } = connectionOf(n.node);
    const base = `${name}-${n.node}`;
    // Every step's uninstall.sh, last step first; created first so that destroy runs it last.
    const uninstallDriver = plain.apply((states) => flannelUninstallDriver(stateOf(states, n.node)));
    const uninstall = new command.remote.Command(
      `${base}-uninstall`,
      { connection, delete: run, stdin: uninstallDriver },
      { parent, ...(opts.dependsOn !== undefined ? { dependsOn: opts.dependsOn } : {}) },
    );
    const tokenSecret = `${sp.kube?.namespace ?? ""}/${FLANNEL_KUBE_NAMES.tokenSecret}`;
    const step = (
      stepName: string,
      source: pulumi.Output<NodeState[] | undefined>,
      dependsOn: pulumi.Resource[],
      isSecret: boolean,
    ): command.remote.Command => {
      // No states: the token is still empty, so the certs step fails saying so (it writes nothing).
      const script = source.apply((states) =>
        states ? flannelStepInstall(stateOf(states, n.node), `flannel/${stepName}`) : flannelTokenPendingInstall(n.node, tokenSecret),
      );
      const stdin = isSecret ? pulumi.secret(script) : script;
      return new command.remote.Command(
        `${base}-${stepName === "service" ? "start" : stepName}`,
        { connection, create: run, stdin, triggers: [script.apply(sha256)] },
        { parent, dependsOn },
      );
    };
    const certs = sp.etcd?.tls || sp.kube ? step("certs", secret, [uninstall, ...Object.values(objects)], true) : undefined;
    if (sp.etcd && n.node === cfgNode && writeConfig !== undefined) {
      datastore = new command.remote.Command(
        `${name}-etcd-config`,
        { connection, create: run, stdin: writeConfig, triggers: [sha256(writeConfig)] },
        { parent, dependsOn: [certs ?? uninstall] },
      );
    }
    const binaries = step("binaries", plain, [certs ?? uninstall, ...(datastore ? [datastore] : [])], false);
    const config = step("config", plain, [binaries], false);
    const start = step("service", plain, [config], false);
    const verify = step("verify", plain, [start], false);
    nodes[n.node] = { uninstall, ...(certs ? { certs } : {}), binaries, config, start, verify };
  }
  return {
    ...(certificate ? { certificate } : {}),
    ...(datastore ? { datastore } : {}),
    objects,
    ...(kubeconfig ? { kubeconfig } : {}),
    nodes,
  };
}

/** Validates mode systemd for the Pulumi component: the core plan, then the Pulumi inputs. */
export function prepareFlannelSystemd(
  plan: PodCidrPlan,
  options: FlannelNetworkOptions,
  host: FlannelSystemdHostArgs | undefined,
): { sp: FlannelSystemdPlan; warnings: readonly Problem[] } {
  const parsed = flannelNetworkSchema.safeParse(options, { reportInput: true });
  if (!parsed.success) throw new NetworkPlanError(zodProblems(parsed.error.issues, options, flannelNetworkSchema, ["flannel"]));
  const p = new Problems();
  const sp = planFlannelSystemd({ config: parsed.data, plan, base: "flannel" }, p);
  if (!sp || !p.ok) throw new NetworkPlanError(p.errors, p.warnings);
  checkFlannelSystemdHosts(sp, host);
  return { sp, warnings: p.warnings };
}
