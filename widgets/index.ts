/**
 * rlbook's widgets: every ipywidgets 8 model as a typed class (generated from the official
 * schema), live two-way sync with any @jupyter-widgets front end over the kernel's comms,
 * interact(), Output capture, links, and RL panels (TrainingMonitor, EpisodePlayer).
 */
export * from "./generated.js";
export {
  Widget,
  widgetById,
  liveWidgets,
  PROTOCOL_VERSION,
  VIEW_MIME,
  type AttributeSpec,
  type ModelSpec,
  type Init,
  type Change,
  type Observer,
} from "./widget.js";
export { type Options, type OutputItem } from "./behaviors.js";
export { link, dlink, jslink, jsdlink, type Endpoint, type KernelLink } from "./link.js";
export { interact, interactive, interactManual, fixed, Fixed, Interactive, type Abbreviation, type InteractOptions, type Arguments } from "./interact.js";
export { TrainingMonitor, EpisodePlayer, svgLineChart, formatMetric, type TrainingMonitorOptions, type EpisodeLike, type CurveSeries } from "./rl.js";
export { SweepPanel, svgParallelCoordinates, leaderboardOrder, trialColor, type SweepPanelOptions } from "./sweep-panel.js";
