/** Data frames (nodejs-polars) and dataset files (Parquet). */
export { pl as polars, toDataFrame, historyFrame, evaluationFrame, frameBundle, displayable, isDataFrame, dtypeName, type DataFrame, type EvaluationLike, type FrameDisplayOptions } from "./frame.js";
export { toParquet, readParquet, type ParquetWriteOptions } from "./parquet.js";
