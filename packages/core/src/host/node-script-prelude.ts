/**
 * The shell functions shared by every install.sh / uninstall.sh: state
 * bookkeeping under /var/lib/podnet/<scope>, atomic file placement with
 * backups, the unit lifecycle and verified downloads. Values reach these
 * functions only as positional arguments that were validated and quoted by
 * host/node-scripts.ts; nothing here interpolates untrusted text into code.
 * The functions come in parts (host/prelude/), joined here in one place.
 *
 * State layout on the node (per scope):
 *   units.list              unit keys in first-install order
 *   dirs                    every directory the scope created, in creation order
 *   backup/<abs path>       what was at a path before podnet placed a file there
 *   units/<key>/id          the unit id (`prep/sysctl`)
 *   units/<key>/digest      the installed unit definition's digest
 *   units/<key>/manifest    `f PATH` (unit file) / `c PATH` (placed by a command)
 *   units/<key>/dirs        directories this unit created
 *   units/<key>/delete.sh   the unit's delete commands as installed
 *   units/<key>/after-delete.sh  its commands run after its files are released
 */

import { PRELUDE_DOWNLOADS } from "./prelude/downloads.js";
import { PRELUDE_FILES } from "./prelude/files.js";
import { PRELUDE_HELPERS } from "./prelude/helpers.js";
import { PRELUDE_STATE } from "./prelude/state.js";
import { PRELUDE_UNITS } from "./prelude/units.js";

/** Root of podnet's state on a node. */
export const PODNET_STATE_ROOT = "/var/lib/podnet";

/** The prelude's variables, after the `PODNET_NODE` / `PODNET_SCOPE` assignments. */
const PRELUDE_VARIABLES = `readonly PODNET_ROOT='${PODNET_STATE_ROOT}'
readonly PODNET_STATE="$PODNET_ROOT/$PODNET_SCOPE"
PODNET_UNIT=''
PODNET_UNIT_DIR=''
PODNET_UNIT_NEW=0
PODNET_UNIT_CHANGED=0
PODNET_MODE=none
PODNET_CHANGED=0
PODNET_TMP=''
PODNET_PENDING=''
PODNET_FETCHED=''`;

/** The prelude, after the `PODNET_NODE` / `PODNET_SCOPE` assignments: its parts in this order, a blank line apart. */
export const NODE_SCRIPT_PRELUDE = `${[PRELUDE_VARIABLES, PRELUDE_HELPERS, PRELUDE_FILES, PRELUDE_DOWNLOADS, PRELUDE_UNITS, PRELUDE_STATE].join("\n\n")}\n`;
