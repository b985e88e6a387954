/**
 * Mode `systemd` in the CLI spec: the spec names certificate files, the CLI
 * reads the ones podnet may embed (CA and certificates, never a key or a
 * token) and passes their contents here.
 */

import type { ComponentArtifacts } from "../../component/contract.js";
import type { CidrPlan } from "../../plan/index.js";
import { type Problems, show } from "../../shared/problems.js";
import type { FlannelEtcdConfig } from "../etcd-options.js";
import type { FlannelNetworkConfig } from "../options.js";
import type { FlannelKubeSubnetMgrConfig } from "../systemd-options.js";
import { LOCAL_PATH, SPEC_DIR_PATH } from "./paths.js";
import { planFlannelSystemd } from "./plan.js";
import { flannelSystemdComponent } from "./systemd.js";

/** What a front end read for the spec. */
export interface FlannelSpecFiles {
  /** Contents of the files `specFileRefs` named, keyed by the path as written in the spec. */
  readonly files?: Readonly<Record<string, string>>;
  /**
   * Folder the spec's relative paths start from (the spec file's folder). Not used by mode
   * systemd: flannel/push-secrets.sh resolves them at run time from `SPEC_DIR`.
   */
  readonly baseDir?: string;
  /**
   * The spec's folder relative to the render output folder (CLI render, e.g. `..`): the
   * default `SPEC_DIR` of flannel/push-secrets.sh, found from the script's own location.
   * @default - the script needs `SPEC_DIR` set
   */
  readonly specDirFromBundle?: string;
}

/** A file the front end must read for the spec: where it is named, and the path as written. */
export interface SpecFileRef {
  readonly path: string;
  readonly file: string;
}

function at(obj: unknown, ...keys: string[]): unknown {
  let cur = obj;
  for (const k of keys) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/**
 * The certificate files a spec names under `flannel.systemd` that podnet embeds in node
 * bundles (CA, client certificate, cluster CA). Keys and tokens are not listed: they are
 * copied to the nodes by `flannel/push-secrets.sh` and never read by podnet.
 * Works on unvalidated input (anything that is not a string is skipped).
 */
export function flannelSpecFileRefs(spec: unknown): SpecFileRef[] {
  const out: SpecFileRef[] = [];
  const add = (path: string, value: unknown) => {
    if (typeof value === "string" && value !== "") out.push({ path, file: value });
  };
  if (at(spec, "flannel", "mode") !== "systemd") return out;
  add("flannel.systemd.etcd.tls.caFile", at(spec, "flannel", "systemd", "etcd", "tls", "caFile"));
  add("flannel.systemd.etcd.tls.certFile", at(spec, "flannel", "systemd", "etcd", "tls", "certFile"));
  add("flannel.systemd.kubeSubnetMgr.caFile", at(spec, "flannel", "systemd", "kubeSubnetMgr", "caFile"));
  return out;
}

/** The systemd-mode bundle part from the spec plus the files the CLI read. */
export function flannelSystemdSpecComponent(
  config: FlannelNetworkConfig,
  plan: CidrPlan,
  p: Problems,
  context: FlannelSpecFiles,
): ComponentArtifacts | undefined {
  const files = context.files ?? {};
  const read = (path: string, file: string | undefined): string | undefined => {
    if (file === undefined) return undefined;
    const content = files[file];
    if (content === undefined) {
      p.error(
        path,
        "flannel.systemd.file-unread",
        `${path}: ${show(file)} could not be read (missing or unreadable file); give a readable PEM file`,
      );
    }
    return content;
  };
  const s = config.systemd;
  const tls = s?.datastore !== "kube-subnet-mgr" ? s?.etcd?.tls : undefined;
  const kube = s?.datastore === "kube-subnet-mgr" ? s?.kubeSubnetMgr : undefined;
  checkCliCertFiles(tls, kube, p);
  const etcdCa = read("flannel.systemd.etcd.tls.caFile", tls?.caFile);
  const etcdCert = read("flannel.systemd.etcd.tls.certFile", tls?.certFile);
  const kubeCa = read("flannel.systemd.kubeSubnetMgr.caFile", kube?.caFile);
  const specDir = context.specDirFromBundle;
  checkScriptPaths(plan, specDir, p);
  if (p.errors.some((e) => e.code === "flannel.systemd.file-unread")) {
    // Still report everything else in the section, but render nothing.
    planFlannelSystemd({ config, plan, base: "flannel" }, p);
    return undefined;
  }
  return flannelSystemdComponent(
    {
      config,
      plan,
      base: "flannel",
      ...(specDir !== undefined && SPEC_DIR_PATH.test(specDir) ? { specDirFromBundle: specDir } : {}),
      material: {
        ...(etcdCa !== undefined ? { etcdCa } : {}),
        ...(etcdCert !== undefined ? { etcdCert } : {}),
        ...(kubeCa !== undefined ? { kubeCa } : {}),
      },
    },
    p,
  );
}

/** The CLI reads the certificate files itself, so each one must be named. */
function checkCliCertFiles(tls: FlannelEtcdConfig["tls"] | undefined, kube: FlannelKubeSubnetMgrConfig | undefined, p: Problems): void {
  if (kube && kube.caFile === undefined) {
    p.error(
      "flannel.systemd.kubeSubnetMgr.caFile",
      "flannel.systemd.cert-missing",
      "flannel.systemd.kubeSubnetMgr.caFile: the CLI needs the cluster CA file for the kubeconfig (e.g. /etc/kubernetes/pki/ca.crt)",
    );
  }
  if (tls) {
    for (const key of ["caFile", "certFile", "keyFile"] as const) {
      if (tls[key] === undefined) {
        p.error(
          `flannel.systemd.etcd.tls.${key}`,
          "flannel.systemd.cert-missing",
          `flannel.systemd.etcd.tls.${key}: the CLI needs the ${key === "caFile" ? "etcd CA" : key === "certFile" ? "flanneld client certificate" : "client key"} file (a path relative to the spec), e.g. pki/${key === "caFile" ? "ca" : key === "certFile" ? "flanneld" : "flanneld-key"}.pem`,
        );
      }
    }
  }
}

/** The ssh identity files and the spec folder reach push-secrets.sh: check they can be written into it. */
function checkScriptPaths(plan: CidrPlan, specDir: string | undefined, p: Problems): void {
  for (const n of plan.nodes) {
    const key = n.ssh?.privateKeyFile;
    if (key !== undefined && !LOCAL_PATH.test(key)) {
      p.error(
        `nodes[${n.index}].ssh.privateKeyFile`,
        "flannel.systemd.local-path",
        `nodes[${n.index}].ssh.privateKeyFile: ${show(key)} is not a file path podnet puts into scripts (letters, digits and ._+@=/-)`,
      );
    }
  }
  if (specDir !== undefined && !SPEC_DIR_PATH.test(specDir)) {
    p.warn(
      "flannel.systemd",
      "flannel.systemd.spec-dir",
      `flannel.systemd: the spec's folder as seen from the output folder (${show(specDir)}) holds a control character, so flannel/push-secrets.sh does not record it and needs SPEC_DIR=<the spec's folder> when it runs`,
    );
  }
}
