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
