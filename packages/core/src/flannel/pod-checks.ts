/**
 * Checks of the settings that reach flannel's pods and host directories: image
 * references, Kubernetes names, labels, node selector, resources, tolerations,
 * CNI directories. Each problem names the option, the value, the rule and the fix.
 */

import { DNS1123_LABEL, DNS1123_SUBDOMAIN, isLabelKey, isLabelValue } from "../shared/names.js";
import { type Problems, show } from "../shared/problems.js";
import type { FlannelNetworkConfig } from "./options.js";

/** Container image reference: [host[:port]/]path[:tag][@sha256:digest] (lowercase path, as the distribution spec requires). */
export const IMAGE_REFERENCE =
  /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
/** A registry and optional path prefix: `registry.example.com:5000/mirror/flannel-io`. */
export const IMAGE_REGISTRY = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]{1,5})?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*\/?$/;
/** Kubernetes resource quantity (the plain forms: "100m", "50Mi", "1.5", "2G"). */
export const QUANTITY = /^[0-9]+(?:\.[0-9]+)?(?:m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
/** Absolute host path without spaces, quotes or `..`. */
const HOST_DIR = /^\/(?!.*(?:^|\/)\.\.(?:\/|$))[A-Za-z0-9_.+@:/-]*$/;

/** Labels podnet sets and selects on; users may not change them. */
export const FLANNEL_RESERVED_LABELS: readonly string[] = ["app", "tier", "k8s-app", "pod-security.kubernetes.io/enforce"];

/** Checks the pod settings in the order they appear in the DaemonSet: images, names, labels, resources, tolerations, host dirs. */
export function checkFlannelPodSettings(c: FlannelNetworkConfig, base: string, p: Problems): void {
  checkImages(c, base, p);
  if (c.namespace !== undefined && !DNS1123_LABEL.test(c.namespace)) {
    p.error(
      `${base}.namespace`,
      "flannel.k8s-name",
      `${base}.namespace: ${show(c.namespace)} is not a namespace name (DNS-1123 label: lowercase letters, digits and "-")`,
    );
  }
  checkLabels(c, base, p);
  checkResources(c, base, p);
  checkTolerations(c, base, p);
  checkCniDirs(c, base, p);
}

/** The image registry, the image overrides and the pull-secret names. */
function checkImages(c: FlannelNetworkConfig, base: string, p: Problems): void {
  if (c.imageRegistry !== undefined && !IMAGE_REGISTRY.test(c.imageRegistry)) {
    p.error(
      `${base}.imageRegistry`,
      "flannel.image-registry",
      `${base}.imageRegistry: ${show(c.imageRegistry)} is not a registry with an optional path (lowercase host[:port][/path], e.g. "registry.example.com:5000/flannel-io")`,
    );
  }
  for (const key of ["flannel", "cniPlugin"] as const) {
    const ref = c.images?.[key];
    if (ref !== undefined && !IMAGE_REFERENCE.test(ref)) {
      p.error(
        `${base}.images.${key}`,
        "flannel.image",
        `${base}.images.${key}: ${show(ref)} is not an image reference ([host[:port]/]path[:tag][@sha256:digest], lowercase path), e.g. "registry.example.com/flannel-io/flannel:v0.28.9"`,
      );
    }
  }
  c.imagePullSecrets.forEach((name, i) => {
    if (!DNS1123_SUBDOMAIN.test(name)) {
      p.error(
        `${base}.imagePullSecrets[${i}]`,
        "flannel.k8s-name",
        `${base}.imagePullSecrets[${i}]: ${show(name)} is not a Secret name (DNS-1123 subdomain)`,
      );
    }
  });
}

/** What a label key and value of each map must be, as the problems say it. */
const LABEL_RULES = {
  labels: {
    key: '([prefix/]name, name of up to 63 letters, digits, "-", "_", ".")',
    value: '(up to 63 letters, digits, "-", "_", ".", alphanumeric at both ends)',
  },
  nodeSelector: {
    key: '([prefix/]name: optional DNS-1123 subdomain and "/", then up to 63 letters, digits, "-", "_", ".", alphanumeric at both ends); the API server rejects the DaemonSet, e.g. "node-role.kubernetes.io/worker"',
    value: '(up to 63 letters, digits, "-", "_", ".", alphanumeric at both ends, or empty); the API server rejects the DaemonSet',
  },
} as const;

/** Keys and values of the pod labels and of the node selector. */
function checkLabels(c: FlannelNetworkConfig, base: string, p: Problems): void {
  for (const map of ["labels", "nodeSelector"] as const) {
    for (const [key, value] of Object.entries(c[map])) {
      const at = `${base}.${map}.${key}`;
      if (!isLabelKey(key)) p.error(at, "flannel.label", `${at}: ${show(key)} is not a label key ${LABEL_RULES[map].key}`);
      else if (map === "labels" && FLANNEL_RESERVED_LABELS.includes(key)) {
        p.error(at, "flannel.label-reserved", `${at}: "${key}" is set by podnet (pod selector and pod-security labels); pick another key`);
      }
      if (!isLabelValue(value)) p.error(at, "flannel.label", `${at}: ${show(value)} is not a label value ${LABEL_RULES[map].value}`);
    }
  }
}

/** CPU and memory requests and limits are Kubernetes quantities. */
function checkResources(c: FlannelNetworkConfig, base: string, p: Problems): void {
  for (const kind of ["requests", "limits"] as const) {
    for (const res of ["cpu", "memory"] as const) {
      const q = c.resources[kind]?.[res];
      if (q !== undefined && !QUANTITY.test(q)) {
        p.error(
          `${base}.resources.${kind}.${res}`,
          "flannel.quantity",
          `${base}.resources.${kind}.${res}: ${show(q)} is not a Kubernetes quantity, e.g. "100m" or "50Mi"`,
        );
      }
    }
  }
}

/** Each toleration is one the API server accepts (key, operator, value, effect rules). */
function checkTolerations(c: FlannelNetworkConfig, base: string, p: Problems): void {
  c.tolerations.forEach((t, i) => {
    const at = `${base}.tolerations[${i}]`;
    if (t.key !== undefined && t.key !== "" && !isLabelKey(t.key)) {
      p.error(
        `${at}.key`,
        "flannel.toleration",
        `${at}.key: ${show(t.key)} is not a taint key (a qualified name: optional DNS-1123 subdomain prefix and "/", then up to 63 letters, digits, "-", "_", ".", alphanumeric at both ends), e.g. "node-role.kubernetes.io/control-plane"`,
      );
    }
    if ((t.key === undefined || t.key === "") && (t.operator ?? "Equal") !== "Exists") {
      p.error(
        `${at}.operator`,
        "flannel.toleration",
        `${at}.operator: a toleration without a key matches every taint and needs operator "Exists" (Kubernetes rejects it otherwise); set operator: Exists or give a key`,
      );
    }
    if (t.value !== undefined && !isLabelValue(t.value)) {
      p.error(
        `${at}.value`,
        "flannel.toleration",
        `${at}.value: ${show(t.value)} is not a taint value (up to 63 letters, digits, "-", "_", ".", alphanumeric at both ends, or empty)`,
      );
    }
    if ((t.operator ?? "Equal") === "Exists" && t.value !== undefined && t.value !== "") {
      p.error(
        `${at}.value`,
        "flannel.toleration",
        `${at}.value: must be empty when operator is "Exists" (Kubernetes rejects it); remove value or use operator "Equal"`,
      );
    }
    if (t.tolerationSeconds !== undefined && t.effect !== "NoExecute") {
      p.error(
        `${at}.tolerationSeconds`,
        "flannel.toleration",
        `${at}.tolerationSeconds: only applies with effect "NoExecute"; remove it or set the effect`,
      );
    }
  });
}

/** The CNI binary and config directories are plain absolute paths. */
function checkCniDirs(c: FlannelNetworkConfig, base: string, p: Problems): void {
  for (const key of ["cniBinDir", "cniConfDir"] as const) {
    if (!HOST_DIR.test(c[key])) {
      p.error(
        `${base}.${key}`,
        "flannel.host-dir",
        `${base}.${key}: ${show(c[key])} is not an absolute directory path (letters, digits and _ . + @ : / -; no "..")`,
      );
    }
  }
}
