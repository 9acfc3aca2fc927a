// JSON array files, as pandas' `to_json(orient="records")` writes them: one
// top-level array of objects, on one line or many. Streamed by a small byte
// splitter (nesting depth and strings tracked, nothing parsed) that cuts the
// array into its elements; each element alone goes through JSON.parse, so
// memory is bounded by the largest element, never the file. An element that
// is not JSON or not an object is a bad row and the next one is read; a file
// that is not an array, or that ends inside it, is a TableError.
import { createReadStream } from 'node:fs';
import { TableError, type ReadOptions, type RowSink } from './types';

const LF = 10;
const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** The first characters of an element, for messages. */
export function preview(text: string): string {
  const t = text.trim();
  return t.length > 60 ? `${t.slice(0, 57)}…` : t;
}

/** Reads a JSON array file element by element into `sink`; see the top of this file. */
export async function readJsonArray(file: string, sink: RowSink, options: ReadOptions = {}): Promise<void> {
  let pos = 0; // offset of the next byte
  let line = 1;
  let state: 'before' | 'between' | 'element' | 'after' = 'before';
  let depth = 0; // inside the element
  let inString = false;
  let escaped = false;
  let parts: Buffer[] = [];
  let start = 0;
  let startLine = 1;
  let elemFrom: number; // where the element being read starts in the current chunk
  let n = 0;
  let expectElement = true; // after `[` or `,`
  let first = true;

  const emit = (): void => {
    const bytes = Buffer.concat(parts);
    const text = bytes.toString('utf8');
    parts = [];
    n++;
    const at = { offset: start, length: bytes.length, line: startLine };
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      sink.bad(n, /(^|[^\w"])(NaN|-?Infinity)\b/.test(text) ? 'not JSON: NaN and Infinity are not JSON numbers' : `not JSON: \`${preview(text)}\``, at);
      return;
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) sink.bad(n, `expected a JSON object, found ${Array.isArray(v) ? 'an array' : JSON.stringify(v)}`, at);
    else sink.row(n, v as Record<string, unknown>, at);
  };

  const input = createReadStream(file, { highWaterMark: 256 * 1024, ...(options.signal ? { signal: options.signal } : {}) });
  for await (const raw of input) {
    let chunk = raw as Buffer;
    if (first) {
      first = false;
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
        chunk = chunk.subarray(3);
        pos = 3;
      }
    }
    const len = chunk.length;
    elemFrom = 0;
    for (let i = 0; i < len; i++) {
      const c = chunk[i]!;
      if (state === 'element') {
        if (inString) {
          if (escaped) escaped = false;
          else if (c === BACKSLASH) escaped = true;
          else if (c === QUOTE) inString = false;
          else if (c === LF) line++;
          continue;
        }
        if (c === QUOTE) inString = true;
        else if (c === OPEN_ARRAY || c === OPEN_OBJECT) depth++;
        else if ((c === CLOSE_ARRAY || c === CLOSE_OBJECT) && depth > 0) depth--;
        else if (c === LF) line++;
        else if (depth === 0 && (c === COMMA || c === CLOSE_ARRAY)) {
          parts.push(Buffer.from(chunk.subarray(elemFrom, i)));
          emit();
          state = c === COMMA ? 'between' : 'after';
          expectElement = c === COMMA;
        }
        continue;
      }
      if (c === LF) line++;
      if (isSpace(c)) continue;
      if (state === 'before') {
        if (c !== OPEN_ARRAY) throw new TableError(`not a JSON array: the file starts with \`${String.fromCharCode(c)}\` at line ${line}, expected \`[\` (pandas: \`to_json(orient="records")\`)`);
        state = 'between';
        expectElement = true;
        continue;
      }
      if (state === 'after') throw new TableError(`line ${line}: text after the end of the JSON array`);
      // between elements
      if (c === CLOSE_ARRAY && (n === 0 || !expectElement)) {
        state = 'after';
        continue;
      }
      if (c === COMMA && !expectElement) {
        expectElement = true;
        continue;
      }
      if (!expectElement) throw new TableError(`line ${line}: expected \`,\` or \`]\` after row ${n}`);
      state = 'element';
      depth = 0;
      start = pos + i;
      startLine = line;
      elemFrom = i;
      i--; // the element's first byte is read again as part of it
    }
    if (state === 'element') parts.push(Buffer.from(chunk.subarray(elemFrom, len)));
    pos += len;
  }
  if (state === 'before') throw new TableError('not a JSON array: the file is empty');
  if ((state as string) !== 'after') throw new TableError(`the JSON array is not closed: the file ends inside ${state === 'element' ? `row ${n + 1}` : 'it'} (line ${line})`);
}
