/**
 * Execution history across kernel sessions, answering history_request (tail, range, search)
 * as IPython's history does. Stored as JSON lines, one record per executed cell, appended
 * with one write each so that concurrent kernels never interleave a record.
 */
import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

interface Record_ {
  session: number;
  line: number;
  input: string;
  output?: string | null;
}

export type HistoryEntry = [session: number, line: number, input: string | [string, string | null]];

export interface HistoryRequest {
  hist_access_type: "tail" | "range" | "search";
  output?: boolean;
  session?: number;
  start?: number;
  stop?: number;
  n?: number;
  pattern?: string;
  unique?: boolean;
}

export function defaultHistoryPath(): string {
  if (process.env.RLBOOK_HISTORY) return process.env.RLBOOK_HISTORY;
  const data = process.env.XDG_DATA_HOME || join(homedir(), ".local", "share");
  return join(data, "rlbook", "history.jsonl");
}

export class History {
  #records: Record_[] | undefined;
  #session: number | undefined;
  #folderMade = false;

  constructor(readonly path: string = defaultHistoryPath()) {}

  /** This kernel's session number: one more than any session on file (read lazily, off the start-up path). */
  get session(): number {
    this.#load();
    return this.#session!;
  }

  store(line: number, input: string, output?: string | null): void {
    const record: Record_ = { session: this.session, line, input, output: output ?? null };
    this.#records!.push(record);
    try {
      if (!this.#folderMade) mkdirSync(dirname(this.path), { recursive: true });
      this.#folderMade = true;
      appendFileSync(this.path, JSON.stringify(record) + "\n");
    } catch (error) {
      process.stderr.write(`rlbook kernel: cannot write history to ${this.path}: ${(error as Error).message}\n`);
    }
  }

  query(request: HistoryRequest): HistoryEntry[] {
    const records = this.#load();
    const output = Boolean(request.output);
    let selected: Record_[];
    switch (request.hist_access_type) {
      case "tail":
        selected = records.slice(-Math.max(0, request.n ?? 10));
        break;
      case "range": {
        const requested = request.session ?? 0;
        const session = requested <= 0 ? this.session + requested : requested;
        const start = request.start ?? 0;
        const stop = request.stop ?? Infinity;
        selected = records.filter((r) => r.session === session && r.line >= start && r.line < stop);
        break;
      }
      case "search": {
        const pattern = globToRegExp(request.pattern ?? "*");
        let matches = records.filter((r) => pattern.test(r.input));
        if (request.unique) {
          const seen = new Set<string>();
          matches = matches.reverse().filter((r) => !seen.has(r.input) && seen.add(r.input)).reverse();
        }
        selected = request.n ? matches.slice(-request.n) : matches;
        break;
      }
      default:
        throw new Error(`hist_access_type must be "tail", "range" or "search", got ${JSON.stringify(request.hist_access_type)}`);
    }
    return selected.map((r) => [r.session, r.line, output ? [r.input, r.output ?? null] : r.input]);
  }

  #load(): Record_[] {
    if (this.#records) return this.#records;
    const records: Record_[] = [];
    let text = "";
    try {
      text = readFileSync(this.path, "utf8");
    } catch {
      // No history yet.
    }
    for (const line of text.split("\n")) {
      if (!line) continue;
      try {
        const r = JSON.parse(line) as Record_;
        if (Number.isInteger(r.session) && Number.isInteger(r.line) && typeof r.input === "string") records.push(r);
      } catch {
        // A torn last line from a killed kernel: skip it.
      }
    }
    this.#records = records;
    this.#session = records.reduce((max, r) => Math.max(max, r.session), 0) + 1;
    return records;
  }
}

/** IPython's history search pattern: a glob (* and ?) matched against the whole input. */
function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[\\s\\S]*").replace(/\?/g, "[\\s\\S]");
  return new RegExp(`^${body}$`);
}
