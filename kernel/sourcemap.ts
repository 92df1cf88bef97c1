/** Maps positions in a compiled cell back to the cell's TypeScript, from a v3 source map. */

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** Per generated line: [generatedColumn, sourceLine, sourceColumn] segments, sorted by column (all 0-based). */
type Segments = [number, number, number][];

export class SourceMap {
  readonly #lines: Segments[] = [];

  constructor(json: string) {
    const mappings = (JSON.parse(json) as { mappings: string }).mappings;
    let sourceLine = 0;
    let sourceColumn = 0;
    for (const line of mappings.split(";")) {
      const segments: Segments = [];
      let column = 0;
      for (const segment of line.split(",")) {
        if (!segment) continue;
        const fields = decodeVlq(segment);
        column += fields[0]!;
        if (fields.length >= 4) {
          sourceLine += fields[2]!;
          sourceColumn += fields[3]!;
          segments.push([column, sourceLine, sourceColumn]);
        }
      }
      this.#lines.push(segments);
    }
  }

  /** The original 1-based line and column of a generated 1-based line and column, if mapped. */
  original(line: number, column: number): { line: number; column: number } | undefined {
    const segments = this.#lines[line - 1];
    if (!segments?.length) return undefined;
    let best = segments[0]!;
    for (const segment of segments) {
      if (segment[0] > column - 1) break;
      best = segment;
    }
    return { line: best[1] + 1, column: best[2] + 1 };
  }
}

function decodeVlq(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = DIGIT.get(char);
    if (digit === undefined) throw new Error(`invalid base64 VLQ character ${JSON.stringify(char)}`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}
