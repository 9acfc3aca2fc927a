// Outputs that carry no key, joined to their inputs by position, and bare
// predictions mapped to named fields (the contract's `output.key.fromInput`
// and `output.fields`; core/contract/outputShape.ts does the mapping).
//
// The n-th output belongs to the n-th input record of the inputs file (blank
// lines skipped, as every source counts them) and takes its key; each row's
// `text` is rewritten from the shaped value, so the kept outputs file carries
// the key and the diff view's row index and a recorded baseline work as for
// keyed outputs. More outputs than inputs, or fewer, is a `bad-output`
// SourceError with both counts: a join by position never shifts silently.
import { shapeOutput, type OutputShape } from '../../core/contract/outputShape';
import { readJsonl } from '../jsonl';
import { snippet, SourceError } from './errors';
import type { OutputRow } from './types';

const RULE = 'outputs without a key join by position, so the counts must agree';

export async function* shapedOutputs(chunks: AsyncGenerator<OutputRow[]>, shape: OutputShape, inputsFile: string, maxLineBytes: number): AsyncGenerator<OutputRow[]> {
  const inputs = readJsonl(inputsFile, { maxLineBytes })[Symbol.asyncIterator]();
  let n = 0;
  const nextKey = async (): Promise<{ key: unknown; line: number } | undefined> => {
    for (;;) {
      const r = await inputs.next();
      if (r.done) return undefined;
      const item = r.value;
      if ('tooLong' in item) return { key: undefined, line: item.line };
      if (shape.fromInput === undefined) return { key: undefined, line: item.line };
      let record: unknown;
      try {
        record = JSON.parse(item.text);
      } catch {
        record = undefined;
      }
      const key = record !== null && typeof record === 'object' ? (record as Record<string, unknown>)[shape.fromInput] : undefined;
      if (key === undefined) throw new SourceError('bad-input', `input line ${item.line} has no \`${shape.fromInput}\` to carry over as the output's key: ${snippet(item.text)}`, { inputLine: item.line });
      return { key, line: item.line };
    }
  };
  try {
    for await (const rows of chunks) {
      const out: OutputRow[] = [];
      for (const row of rows) {
        n++;
        const input = await nextKey();
        if (!input) throw new SourceError('bad-output', `the source gave more than ${n - 1} outputs for ${n - 1} inputs; ${RULE}`, { outputLine: row.line });
        const shaped = shapeOutput('bare' in row ? row.bare : row.value, shape, input.key);
        if (!shaped.ok) throw new SourceError('bad-output', `output ${n} (input line ${input.line}): ${shaped.message}: ${snippet(row.text)}`, { outputLine: row.line, inputLine: input.line });
        out.push({ line: row.line, inputLine: input.line, text: JSON.stringify(shaped.value), value: shaped.value });
      }
      yield out;
    }
    let missing = 0;
    while (await nextKey()) missing++;
    if (missing) throw new SourceError('bad-output', `the source gave ${n} outputs for ${n + missing} inputs; ${RULE}`, {});
  } finally {
    await inputs.return?.();
  }
}
