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
import { type CidrPlan, type FlannelNetworkOptions, NetworkPlanError, type NodeState, type Problem } from "@podnet/core";
import {
  checkCertificatePem,
  checkFlannelSystemdRemoteInputs,
  checkKeyMatchesCertificate,
  checkPrivateKeyPem,
  type FlannelSystemdMaterial,
  type FlannelSystemdPlan,
  flanneldCertificateSpec,
  flannelRemoteState,
  flannelRemoteStepName,
  flannelRemoteStepScript,
  flannelStepTrigger,
  flannelSystemdConfigNode,
  flannelSystemdEtcdWriteConfig,
  flannelSystemdKubeconfig,
  flannelSystemdMaterial,
  flannelSystemdNeedsCerts,
  flannelSystemdNodeOrder,
  flannelSystemdNodeStates,
  flannelSystemdObjectDependencies,
  flannelSystemdObjects,
  flannelTokenPending,
  flannelUninstallDriver,
  nodeScriptCommand,
  Problems,
  planFlannelSystemdNetwork,
} from "@podnet/core/internal";
import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type CertificateAuthorityArgs, FlanneldCertificate } from "./flannel-certs.js";
import type { Checked } from "./late.js";

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

/** What one node got: its commands, in order. */
export interface FlannelSystemdNodeResources {
  readonly uninstall: command.remote.Command;
  readonly certs?: command.remote.Command;
  readonly binaries: command.remote.Command;
  readonly config: command.remote.Command;
  readonly start: command.remote.Command;
  readonly verify: command.remote.Command;
}

/** Mode systemd's children. */
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

/** One key per node name; `undefined` for one key for every node (an Output or a Promise is one key). */
function perNodeKeys(pk: FlannelSystemdHostArgs["privateKey"]): Readonly<Record<string, pulumi.Input<string>>> | undefined {
  return typeof pk === "object" && !pulumi.Output.isInstance(pk) && !(pk instanceof Promise)
    ? (pk as Record<string, pulumi.Input<string>>)
    : undefined;
}

/** Checks the Pulumi inputs against the plan before any child exists; throws InputPropertiesError. */
export function checkFlannelSystemdHosts(sp: FlannelSystemdPlan, host: FlannelSystemdHostArgs | undefined): void {
  const p = new Problems();
  const keys = host ? perNodeKeys(host.privateKey) : undefined;
  const given = host && {
    ...(keys ? { hasKeyFor: (node: string) => keys[node] !== undefined } : {}),
    etcdClientCert: Boolean(host.etcdClientCert),
    etcdServerCaPem: host.etcdServerCaPem !== undefined,
    etcdCa: host.etcdCa !== undefined,
    kubeCaPem: host.kubeCaPem !== undefined,
  };
  checkFlannelSystemdRemoteInputs(sp, given, p);
  // PEM inputs that are plain strings are parsed now; Outputs are checked when they resolve.
  if (host) {
    const known = (v: unknown): v is string => typeof v === "string";
    if (known(host.etcdServerCaPem)) checkCertificatePem(host.etcdServerCaPem, "hosts.etcdServerCaPem", p, { role: "ca" });
    const given = host.etcdClientCert;
    const cert = known(given?.certPem)
      ? checkCertificatePem(given.certPem, "hosts.etcdClientCert.certPem", p, { role: "client" })
      : undefined;
    const key = known(given?.keyPem) ? checkPrivateKeyPem(given.keyPem, "hosts.etcdClientCert.keyPem", p) : undefined;
    if (cert?.[0] && key) checkKeyMatchesCertificate(cert[0], key, "hosts.etcdClientCert.certPem", "hosts.etcdClientCert.keyPem", p);
    const ca = known(host.etcdCa?.certPem)
      ? checkCertificatePem(host.etcdCa.certPem, "hosts.etcdCa.certPem", p, { role: "ca" })
      : undefined;
    const caKey = known(host.etcdCa?.keyPem) ? checkPrivateKeyPem(host.etcdCa.keyPem, "hosts.etcdCa.keyPem", p) : undefined;
    if (ca?.[0] && caKey) checkKeyMatchesCertificate(ca[0], caKey, "hosts.etcdCa.certPem", "hosts.etcdCa.keyPem", p);
    if (known(host.kubeCaPem)) checkCertificatePem(host.kubeCaPem, "hosts.kubeCaPem", p, { role: "ca" });
  }
  const errors = p.errors.map((e) => ({ propertyPath: e.path, reason: e.message }));
  if (errors.length > 0)
    throw new pulumi.InputPropertiesError({ message: `FlannelNetwork: ${errors.length} problem${errors.length === 1 ? "" : "s"}`, errors });
}

/** Options of the children: `dependsOn` for every node's first step. */
interface SystemdChildOpts {
  readonly dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]> | pulumi.Input<pulumi.Resource>;
}

type Material = { -readonly [K in keyof FlannelSystemdMaterial]?: pulumi.Output<string> };

/** The etcd client certificate: given, or created with @pulumi/tls (and its CA, unless given). */
function etcdMaterial(
  parent: pulumi.ComponentResource,
  name: string,
  sp: FlannelSystemdPlan,
  host: FlannelSystemdHostArgs,
  material: Material,
) {
  let certificate: FlanneldCertificate | undefined;
  if (host.etcdClientCert) {
    material.etcdCert = pulumi.output(host.etcdClientCert.certPem);
    material.etcdKey = pulumi.secret(host.etcdClientCert.keyPem);
  } else {
    const p = new Problems();
    const spec = flanneldCertificateSpec(sp.systemd.certificate, "flannel.systemd.certificate", p);
    if (!spec) throw new NetworkPlanError(p.errors, p.warnings);
    certificate = new FlanneldCertificate(`${name}-etcd-client`, { spec, ...(host.etcdCa ? { ca: host.etcdCa } : {}) }, { parent });
    material.etcdCert = certificate.certPem;
    material.etcdKey = certificate.keyPem;
  }
  material.etcdCa = pulumi.output(host.etcdServerCaPem ?? host.etcdCa?.certPem ?? certificate?.caCertPem ?? "");
  return certificate;
}

/** kube-subnet-mgr: ServiceAccount, ClusterRole, binding and token Secret, and the token read back (secret). */
function kubeMaterial(
  parent: pulumi.ComponentResource,
  name: string,
  sp: FlannelSystemdPlan,
  host: FlannelSystemdHostArgs,
  material: Material,
) {
  const objects: Record<string, pulumi.CustomResource> = {};
  const kube = sp.kube;
  if (!kube) return objects;
  for (const o of flannelSystemdObjects(sp)) {
    const Kind = {
      ClusterRole: k8s.rbac.v1.ClusterRole,
      ClusterRoleBinding: k8s.rbac.v1.ClusterRoleBinding,
      ServiceAccount: k8s.core.v1.ServiceAccount,
      Secret: k8s.core.v1.Secret,
    }[o.kind as "ClusterRole"];
    const dependsOn = flannelSystemdObjectDependencies(o.kind).map((k) => objects[k]);
    objects[o.kind] = new Kind(`${name}-${o.kind.toLowerCase()}`, o as never, {
      parent,
      dependsOn: dependsOn.filter((d) => d !== undefined),
    });
  }
  material.kubeCa = pulumi.output(host.kubeCaPem as pulumi.Input<string>);
  // The token controller fills data.token once the Secret exists; read it back after creation.
  // It may still be empty right after creation: then the certs step fails (flannelRemoteStepScript).
  material.kubeToken = pulumi.secret(
    host.kubeToken ??
      k8s.core.v1.Secret.get(`${name}-token-read`, `${kube.namespace}/flannel-token`, {
        parent,
        dependsOn: [objects.Secret as pulumi.Resource],
      }).data.apply((d) => Buffer.from(d?.token ?? "", "base64").toString("utf8")),
  );
  return objects;
}

/** The node units from the material: the non-secret steps' without key and token, the certs step's with them (secret). */
function nodeUnits(
  parent: pulumi.ComponentResource,
  live: pulumi.Output<FlannelSystemdPlan>,
  host: FlannelSystemdHostArgs,
  material: Material,
) {
  const resolve = (sp: FlannelSystemdPlan, m: FlannelSystemdMaterial): NodeState[] => {
    const p = new Problems();
    const states = flannelSystemdNodeStates(sp, m, p);
    if (!p.ok) throw new pulumi.ResourceError(`FlannelNetwork: ${p.errors.map((e) => e.message).join("; ")}`, parent);
    return states;
  };
  const plain = pulumi
    .all([live, material.etcdCa, material.etcdCert, material.kubeCa])
    .apply(([sp, etcdCa, etcdCert, kubeCa]) => resolve(sp, flannelSystemdMaterial({ etcdCa, etcdCert, kubeCa })));
  const secret: pulumi.Output<NodeState[] | undefined> = pulumi.secret(
    pulumi
      .all([live, material.etcdCa, material.etcdCert, material.etcdKey, material.kubeCa, material.kubeToken])
      .apply(([sp, etcdCa, etcdCert, etcdKey, kubeCa, kubeToken]) =>
        flannelTokenPending(sp, host.kubeToken !== undefined, kubeToken)
          ? undefined
          : resolve(sp, flannelSystemdMaterial({ etcdCa, etcdCert, etcdKey, kubeCa, kubeToken })),
      ),
  );
  return { plain, secret };
}

/**
 * Creates the children of mode systemd under `parent`: `sp.shape` decides which exist, their inputs
 * come from `sp.late` when node values are Outputs (so none is created when its check fails).
 */
export function createFlannelSystemd(
  parent: pulumi.ComponentResource,
  name: string,
  sp: Checked<FlannelSystemdPlan>,
  host: FlannelSystemdHostArgs,
  opts: SystemdChildOpts,
): FlannelSystemdResources {
  const shape = sp.shape;
  // 1. Credentials: the etcd client certificate, or the kube objects and the token.
  const material: Material = {};
  const certificate = shape.etcd?.tls ? etcdMaterial(parent, name, shape, host, material) : undefined;
  const objects = kubeMaterial(parent, name, shape, host, material);
  const live = sp.output((x) => x);
  const units = nodeUnits(parent, live, host, material);
  const kubeconfig = shape.kube
    ? pulumi.secret(pulumi.all([live, units.secret]).apply(([x, states]) => flannelSystemdKubeconfig(x, states)))
    : undefined;
  // 2. Per node, the config node first: uninstall holder, certs, (datastore config), the steps.
  const nodes: Record<string, FlannelSystemdNodeResources> = {};
  let datastore: command.remote.Command | undefined;
  for (const n of flannelSystemdNodeOrder(shape)) {
    const r = createNodeSteps(parent, name, sp, host, n.node, { ...units, objects, datastore }, opts);
    datastore ??= r.datastore;
    nodes[n.node] = r.steps;
  }
  return {
    ...(certificate ? { certificate } : {}),
    ...(datastore ? { datastore } : {}),
    objects,
    ...(kubeconfig ? { kubeconfig } : {}),
    nodes,
  };
}

/** What every node's steps share. */
interface SharedSteps {
  readonly plain: pulumi.Output<NodeState[]>;
  readonly secret: pulumi.Output<NodeState[] | undefined>;
  readonly objects: Readonly<Record<string, pulumi.CustomResource>>;
  /** The etcd config step, once created (on the config node, the first in order). */
  readonly datastore: command.remote.Command | undefined;
}

/** One node's commands: uninstall holder, certs, (the datastore config on the config node), binaries, config, start, verify. */
function createNodeSteps(
  parent: pulumi.ComponentResource,
  name: string,
  sp: Checked<FlannelSystemdPlan>,
  host: FlannelSystemdHostArgs,
  node: string,
  shared: SharedSteps,
  opts: SystemdChildOpts,
): { steps: FlannelSystemdNodeResources; datastore?: command.remote.Command } {
  const shape = sp.shape;
  const sshOf = (x: FlannelSystemdPlan) =>
    flannelSystemdNodeOrder(x).find((m) => m.node === node)?.ssh as NonNullable<FlannelSystemdPlan["nodes"][number]["ssh"]>;
  const keys = perNodeKeys(host.privateKey);
  const privateKey = pulumi.secret(keys ? (keys[node] as pulumi.Input<string>) : (host.privateKey as pulumi.Input<string>));
  const connection = {
    host: sp.value((x) => sshOf(x).host),
    port: sp.value((x) => sshOf(x).port),
    user: sp.value((x) => sshOf(x).user),
    privateKey,
  };
  const run = nodeScriptCommand({ sudo: host.sudo ?? sshOf(shape).user !== "root" });
  const base = `${name}-${node}`;
  // Every step's uninstall.sh, last step first; created first so that destroy runs it last.
  const uninstall = new command.remote.Command(
    `${base}-uninstall`,
    { connection, delete: run, stdin: shared.plain.apply((states) => flannelUninstallDriver(flannelRemoteState(states, node))) },
    { parent, ...(opts.dependsOn !== undefined ? { dependsOn: opts.dependsOn } : {}) },
  );
  const live = sp.output((x) => x);
  const step = (unitId: string, source: pulumi.Output<NodeState[] | undefined>, dependsOn: pulumi.Resource[], isSecret: boolean) => {
    const script = pulumi.all([live, source]).apply(([x, states]) => flannelRemoteStepScript(x, states, node, unitId));
    const stdin = isSecret ? pulumi.secret(script) : script;
    return new command.remote.Command(
      `${base}-${flannelRemoteStepName(unitId)}`,
      { connection, create: run, stdin, triggers: [script.apply(flannelStepTrigger)] },
      { parent, dependsOn },
    );
  };
  const certs = flannelSystemdNeedsCerts(shape)
    ? step("flannel/certs", shared.secret, [uninstall, ...Object.values(shared.objects)], true)
    : undefined;
  let datastore = shared.datastore;
  const created = shape.etcd && node === flannelSystemdConfigNode(shape) && flannelSystemdEtcdWriteConfig(shape) !== undefined;
  if (created) {
    const writeConfig = sp.output((x) => flannelSystemdEtcdWriteConfig(x) as string);
    datastore = new command.remote.Command(
      `${name}-etcd-config`,
      { connection, create: run, stdin: writeConfig, triggers: [writeConfig.apply(flannelStepTrigger)] },
      { parent, dependsOn: [certs ?? uninstall] },
    );
  }
  const binaries = step("flannel/binaries", shared.plain, [certs ?? uninstall, ...(datastore ? [datastore] : [])], false);
  const config = step("flannel/config", shared.plain, [binaries], false);
  const start = step("flannel/service", shared.plain, [config], false);
  const verify = step("flannel/verify", shared.plain, [start], false);
  return {
    steps: { uninstall, ...(certs ? { certs } : {}), binaries, config, start, verify },
    ...(created && datastore ? { datastore } : {}),
  };
}

/** Validates mode systemd for the Pulumi component: the core plan, then the Pulumi inputs. */
export function prepareFlannelSystemd(
  plan: CidrPlan,
  options: FlannelNetworkOptions,
  host: FlannelSystemdHostArgs | undefined,
): { sp: FlannelSystemdPlan; warnings: readonly Problem[] } {
  const out = planFlannelSystemdNetwork(plan, options);
  checkFlannelSystemdHosts(out.value, host);
  return { sp: out.value, warnings: out.warnings };
}
