/** The one rule components declare with `conflicts`: two sections that cannot run together. */

import type { Problems } from "../shared/problems.js";
import type { AnyNetworkComponent } from "./contract.js";

/** Reports every section `component` conflicts with that the spec also sets (its code is `<key>.<other>-conflict`). */
export function checkConflicts(component: AnyNetworkComponent, sections: Readonly<Record<string, unknown>>, p: Problems): void {
  if (sections[component.key] === undefined) return;
  for (const other of component.conflicts ?? []) {
    if (sections[other] === undefined) continue;
    p.error(
      component.key,
      `${component.key}.${other}-conflict`,
      `${component.key}: and ${other}: are both set; a cluster runs one pod network, remove one of them`,
    );
  }
}
