/** cidr, names, problems, zod problems, shell quoting, hash, manifest (imports nothing else). */

export type { Cidr, InterfaceAddress, ParseResult } from "./cidr.js";
export {
  addressText,
  cidr,
  contains,
  containsAddress,
  FAMILY_LABEL,
  familyBits,
  IPV4_MAPPED,
  IpFamily,
  ipv4MappedAddress,
  ipv4MappedAlias,
  isPrivate,
  nthAddress,
  nthSubnet,
  overlaps,
  PRIVATE_RANGES,
  parseAddress,
  parseCidr,
  parseInterfaceAddress,
  SPECIAL_RANGES,
  size,
  subnetCount,
  subnetIndex,
} from "./cidr.js";
export { checkComponentArgs } from "./component-args.js";
export { sha256Hex } from "./hash.js";
export type { K8sObject } from "./manifest.js";
export { objectKey, toYaml } from "./manifest.js";
export { DNS1123_LABEL, DNS1123_SUBDOMAIN, HOST_NAME, INTERFACE_NAME, isLabelKey, isLabelValue, USER_NAME } from "./names.js";
export type { CertificateCheckOptions, CertificateRole } from "./pem.js";
export { checkCertificatePem, checkClientTlsPem, checkKeyMatchesCertificate, checkPrivateKeyPem } from "./pem.js";
export type { Problem } from "./problems.js";
export { formatProblem, joinPath, NetworkPlanError, Problems, show } from "./problems.js";
export type { Checked, Planned } from "./result.js";
export { checkedOf, checkWith, parseSection, plannedOf } from "./result.js";
export type { ShellRule } from "./shell.js";
export {
  checkShellValue,
  DESCRIPTION,
  DOWNLOAD_URL,
  FILE_MODE,
  FILE_OWNER,
  FIREWALLD_INTERFACE,
  FIREWALLD_ZONE,
  KERNEL_MODULE,
  LABEL,
  NM_INTERFACE,
  SAFE_PATH,
  SCOPE_NAME,
  SHA256,
  SYSCTL_KEY,
  SYSCTL_VALUE,
  shQuote,
  UNIT_ID,
} from "./shell.js";
export { didYouMean, PARSE_OPTIONS, zodProblems } from "./zod-problems.js";
