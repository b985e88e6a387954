/** podnet map: model and SVG. */

export type { SpecMap } from "./map.js";
export { drawNetworkMap, renderNetworkMap, renderNetworkMapOfInput, renderSpecMap } from "./map.js";
export { mapModelFromInput, mapModelFromPlan, nodeSubnetCapacity } from "./model.js";
export { drawPodRow } from "./pod-row.js";
export type { Attrs, Bar } from "./svg.js";
export {
  attrs,
  BAR_W,
  BAR_X,
  colour,
  drawOverlaps,
  endLabels,
  escapeXml,
  fit,
  grouped,
  inside,
  LABEL_W,
  LEFT,
  label,
  labelColumn,
  MAX_BOXES,
  MAX_ROWS,
  MONO,
  MONO_EM,
  n,
  ON_PALETTE,
  OVERLAP_RED,
  overlapsOf,
  PALETTE,
  SANS,
  SANS_EM,
  Svg,
  span,
  WIDTH,
  wrap,
  xAt,
} from "./svg.js";
export type {
  MapFamily,
  MapHostMember,
  MapHostNet,
  MapNet,
  MapNetKind,
  MapNodeSubnet,
  MapOverlap,
  MapPool,
  MapUnparsed,
  NetworkMapExtras,
  NetworkMapModel,
  NetworkMapPool,
} from "./types.js";
