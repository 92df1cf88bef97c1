/** Inline plots: Vega-Lite 5 spec builders, rendering (SVG, PNG), live charts, episode playback, HTML export. */
export { Chart, chart, chartBundle, compileSpec, renderSVG, renderPNG, rasterize, svgSize, describeSpec, VEGA_LITE_SCHEMA, VEGA_LITE_MIME, type RenderedPNG, type TopLevelSpec } from "./chart.js";
export {
  learningCurve, lineChart, scatter, histogram, heatmap, barChart, parallelCoordinates, grid, smoothEMA, meanStdBand, colorScale,
  type Row, type Rows, type DataFrameLike, type ChartOptions, type History, type CurveInput, type LearningCurveOptions, type LineChartOptions, type ScatterOptions,
  type HistogramOptions, type HeatmapInput, type HeatmapOptions, type BarChartOptions, type ParallelCoordinatesOptions, type ConcatOptions,
} from "./builders.js";
export { LiveChart, liveChart, liveLearningCurve, liveTraining, type LiveChartOptions, type ChartBuilder, type LiveLearningCurveOptions } from "./live.js";
export { Episode, recordEpisode, type Policy, type RecordEpisodeOptions, type EpisodeStep } from "./episode.js";
export { notebookToHTML, type NotebookJSON, type HTMLExportOptions } from "./html-export.js";
export { renderMarkdown } from "./markdown.js";
