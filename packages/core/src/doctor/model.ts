/**
 * doctor's model: what a check finds on a node (Finding, Unchecked,
 * NodeDiagnosis) and what it is compared with (the components' expectations,
 * defined in component/expectations.ts so the components can build them).
 */

import type { PerFamily } from "../plan/index.js";

export type {
  ExpectedDevice,
  ExpectedNodeState,
  ExpectedPublicAddress,
  ExpectedRoute,
  FlannelLeaseExpectation,
} from "../component/expectations.js";
export { DoctorNetwork } from "../component/expectations.js";

/** One fault on one node. */
export interface Finding {
  readonly node: string;
  /** Stable code, e.g. `route.missing`. */
  readonly code: string;
  /** The check that found it, e.g. `routes`. */
  readonly check: string;
  readonly expected: string;
  readonly found: string;
  readonly fix: string;
}

/** A check that could not run on a node, and why. */
export interface Unchecked {
  readonly node: string;
  readonly check: string;
  readonly reason: string;
}

/** The result for one node. */
export interface NodeDiagnosis {
  readonly node: string;
  readonly findings: readonly Finding[];
  /** Information that is no fault (it never changes the exit code), e.g. `subnet.assigned-differs`. */
  readonly info: readonly Finding[];
  readonly unchecked: readonly Unchecked[];
  /** Names of the checks that ran. */
  readonly checks: readonly string[];
}

/** What other nodes really have, for routes to their subnets. */
export interface DiagnoseContext {
  /** Observed subnets of other nodes (from their subnet.env), by node name. */
  readonly peerSubnets?: Readonly<Record<string, PerFamily<string>>>;
}
