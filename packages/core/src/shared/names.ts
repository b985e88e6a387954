/**
 * Name patterns every layer checks against: Kubernetes names (DNS-1123), Linux
 * interface names, and the host and user names that may reach an ssh command line.
 */

/** DNS-1123 label: what Kubernetes accepts as a node name here. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/**
 * DNS-1123 subdomain: lowercase labels of at most 63 characters joined by
 * dots, 253 characters in all (Kubernetes object names, label key prefixes,
 * the cluster domain).
 */
export const DNS1123_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;
/** Linux interface names podnet accepts: 1-15 characters, letters, digits, `_`, `.`, `-`. */
export const INTERFACE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;
/** Host names and addresses that may reach an ssh command line. */
export const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9.:-]*[A-Za-z0-9])?$/;
/** POSIX user names. */
export const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

/** Kubernetes label name part and label value: 63 characters, alphanumeric ends. */
const LABEL_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/;

/** True for a Kubernetes qualified name (label key, taint key): `[DNS-1123 subdomain/]name`, name up to 63 characters. */
export function isLabelKey(key: string): boolean {
  const slash = key.indexOf("/");
  if (slash < 0) return LABEL_NAME.test(key);
  return DNS1123_SUBDOMAIN.test(key.slice(0, slash)) && LABEL_NAME.test(key.slice(slash + 1));
}

/** True for a Kubernetes label value: empty, or up to 63 characters with alphanumeric ends. */
export function isLabelValue(value: string): boolean {
  return value === "" || LABEL_NAME.test(value);
}
