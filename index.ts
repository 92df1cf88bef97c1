/**
 * The rlbook package entry: the RL library (src/, which runs in any Node script) and the
 * widgets (widgets/, which need a kernel's comms), so that a cell imports everything from
 * "rlbook". src/ itself never imports widgets/.
 *
 * Both define `Box`: here it is the Gymnasium space; the Box widget is `widgets.Box`, or
 * `Box` from "rlbook/widgets" (HBox, VBox and GridBox are exported directly).
 */
export * from "./src/index.js";
export * from "./widgets/index.js";
export * as widgets from "./widgets/index.js";
export { Box } from "./src/index.js";
