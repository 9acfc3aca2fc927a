// Messages between the row-index worker and its client.
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

export type WorkerRequest =
  | { id: number; method: 'build'; spec: DiffSpec; files: IndexFiles }
  | { id: number; method: 'page'; query: RowQuery; offset: number; count: number }
  | { id: number; method: 'memory' };

export type WorkerResponse = { id: number; progress: BuildProgress } | { id: number; result: unknown } | { id: number; error: string };
