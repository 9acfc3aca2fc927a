export function generateRunbook(lines: number): string;
export const BENCH_FILES: Record<string, string>;
