// What the row-index worker answers, typed once for both its ends.
import type { DiffRow, RowQuery } from '../../core/diff/protocol';
import type { DiffSpec } from '../../core/diff/rowCheck';
import type { BuildProgress, IndexFiles } from './rowIndex';

export interface BuildResult {
  rows: number;
  outside: number;
  ms: number;
}

export interface PageResult {
  total: number;
  rows: DiffRow[];
}

/** The row-index worker's API (carried by ../rpc.ts). */
export interface RowIndexApi {
  build: { params: { spec: DiffSpec; files: IndexFiles }; result: BuildResult; progress: BuildProgress };
  page: { params: { query: RowQuery; offset: number; count: number }; result: PageResult };
  memory: { params: Record<string, never>; result: NodeJS.MemoryUsage };
}
