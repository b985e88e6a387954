/** The wording of a node's network in findings, from its component (checks name no network themselves). */

import type { DoctorHints } from "../component/expectations.js";
import { COMPONENTS } from "../spec/registry.js";
import type { ExpectedNodeState } from "./model.js";

/** Hints for a node without a pod network component (host needs passed in): nothing names a daemon. */
const NO_NETWORK: DoctorHints = {
  addressPicker: "the network",
  deviceFix: () => "the network daemon creates it",
  routeFix: () => "the network daemon adds it",
  cniWriter: "the network's install-cni step",
  cniShadowedTip: "",
};

/** The hints of the component that runs the node's pod network. */
export function doctorHints(expected: ExpectedNodeState): DoctorHints {
  return COMPONENTS.find((c) => c.key === expected.network)?.doctor?.hints ?? NO_NETWORK;
}
