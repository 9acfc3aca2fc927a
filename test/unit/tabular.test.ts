// The tabular readers (src/node/tabular): CSV typed by the schema (quoted
// fields, CRLF, BOM, a bad row located by its row number and the next row
// still read), Parquet written here with hyparquet-writer (several row
// groups, nulls, INT64), JSON array files (pandas' orient="records", a
// malformed element), and the baseline writer read back by the readers.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { columnTypes, formatOf, readTable, TableError, writeTable, type RowPlace, type TabularFormat } from '../../src/node/tabular';
import { Comparison } from '../../src/core/contract/compare';
import { feedTable } from '../../src/node/contract/tables';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-tabular-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Got {
  rows: Array<{ n: number; value: Record<string, unknown>; at: RowPlace }>;
  bad: Array<{ n: number; message: string; at: RowPlace }>;
}

async function read(file: string, format: TabularFormat, schema?: unknown): Promise<Got> {
  const got: Got = { rows: [], bad: [] };
  await readTable(file, format, { row: (n, value, at) => got.rows.push({ n, value, at }), bad: (n, message, at) => got.bad.push({ n, message, at }) }, schema ? { types: columnTypes(schema) } : {});
  return got;
}

function write(name: string, content: string | Buffer): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, content);
  return f;
}

const SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    score: { type: 'number' },
    ok: { type: 'boolean' },
    note: { type: ['string', 'null'] },
    label: { type: 'string' },
  },
};

describe('tabular: formats', () => {
  it('chooses by extension unless a format is given', () => {
    assert.deepEqual(
      ['a.jsonl', 'a.ndjson', 'a.CSV', 'a.parquet', 'a.json', 'a.txt'].map((f) => formatOf(f)),
      ['jsonl', 'jsonl', 'csv', 'parquet', 'json', 'jsonl'],
    );
    assert.equal(formatOf('outputs.txt', 'csv'), 'csv');
  });
});

describe('tabular: CSV', () => {
  it('types cells by the schema, reads quoted fields across CRLF lines and drops the BOM', async () => {
    const text = '\ufeffid,score,ok,note,label\r\n1,0.5,true,,"setosa"\r\n2,1e-3,FALSE,"say ""hi"", twice\r\nnow",versicolor\r\n';
    const f = write('a.csv', text);
    const got = await read(f, 'csv', SCHEMA);
    assert.deepEqual(got.bad, []);
    assert.deepEqual(
      got.rows.map((r) => [r.n, r.value]),
      [
        [1, { id: 1, score: 0.5, ok: true, note: null, label: 'setosa' }],
        [2, { id: 2, score: 0.001, ok: false, note: 'say "hi", twice\r\nnow', label: 'versicolor' }],
      ],
    );
    const bytes = Buffer.from(text, 'utf8');
    assert.deepEqual(got.rows[0]!.at, { offset: bytes.indexOf('1,0.5'), length: bytes.indexOf('2,1e-3') - bytes.indexOf('1,0.5') });
    assert.deepEqual(got.rows[1]!.at, { offset: bytes.indexOf('2,1e-3'), length: bytes.length - bytes.indexOf('2,1e-3') });
  });

  it('without a schema every cell is a string', async () => {
    const got = await read(write('b.csv', 'id,score\n1,0.5\n'), 'csv');
    assert.deepEqual(got.rows[0]!.value, { id: '1', score: '0.5' });
  });

  it('reports a bad row by its row number and reads the next', async () => {
    const f = write('c.csv', 'id,score,label\n1,0.5,a\n2,high,b\n3,,c\n4,0.25\n5,0.75,e\n');
    const got = await read(f, 'csv', SCHEMA);
    assert.deepEqual(
      got.bad.map((b) => [b.n, b.message]),
      [
        [2, 'column `score` is "high", expected number'],
        [3, 'column `score` is empty, and its schema does not allow null'],
        [4, 'has 2 cells, the header has 3'],
      ],
    );
    assert.deepEqual(
      got.rows.map((r) => r.n),
      [1, 5],
    );
  });

  it('an integer column refuses a fraction', async () => {
    const got = await read(write('d.csv', 'id\n1.5\n'), 'csv', SCHEMA);
    assert.deepEqual(got.bad.map((b) => b.message), ['column `id` is "1.5", expected integer']);
  });

  it('an unterminated quote is a TableError naming the row', async () => {
    const f = write('e.csv', 'id,label\n1,a\n2,"b\n');
    await assert.rejects(read(f, 'csv', SCHEMA), (e: unknown) => e instanceof TableError && /^row 2: /.test((e as Error).message));
  });
});

describe('tabular: Parquet', () => {
  it('reads several row groups with nulls, INT64 ids as numbers, and places rows by group', async () => {
    const f = path.join(dir, 'p.parquet');
    const n = 2500;
    parquetWriteFile({
      filename: f,
      columnData: [
        { name: 'id', data: Array.from({ length: n }, (_, i) => BigInt(i + 1)), type: 'INT64' },
        { name: 'score', data: Array.from({ length: n }, (_, i) => (i % 11 === 0 ? null : i / 10)), type: 'DOUBLE', nullable: true },
        { name: 'label', data: Array.from({ length: n }, (_, i) => (i % 2 ? 'a' : 'b')), type: 'STRING' },
      ],
      rowGroupSize: 1000,
    });
    const got = await read(f, 'parquet');
    assert.deepEqual(got.bad, []);
    assert.equal(got.rows.length, n);
    assert.deepEqual(got.rows[0], { n: 1, value: { id: 1, score: null, label: 'b' }, at: { group: 0, inGroup: 0 } });
    assert.deepEqual(got.rows[1002], { n: 1003, value: { id: 1003, score: 100.2, label: 'b' }, at: { group: 1, inGroup: 2 } });
    assert.deepEqual(got.rows[2499], { n: 2500, value: { id: 2500, score: 249.9, label: 'a' }, at: { group: 2, inGroup: 499 } });
    assert.equal(got.rows.filter((r) => r.value.score === null).length, Math.ceil(n / 11));
  });

  it('a file that is not Parquet is a TableError, not its bytes echoed', async () => {
    const f = write('q.parquet', '{"id": 1}\n');
    await assert.rejects(read(f, 'parquet'), new TableError('not a Parquet file: it is 10 bytes long'));
    const g = write('r.parquet', '{"id": 1, "score": 0.5}\n');
    await assert.rejects(read(g, 'parquet'), new TableError('not a Parquet file: it does not start and end with `PAR1`'));
  });
});

describe('tabular: JSON array', () => {
  it('reads pandas orient="records" on one line and across lines', async () => {
    const oneText = '[{"id":1,"score":0.5},{"id":2,"score":null,"tags":["x,]"]}]';
    const one = write('a.json', oneText);
    const got = await read(one, 'json');
    assert.deepEqual(
      got.rows.map((r) => [r.n, r.value, r.at]),
      [
        [1, { id: 1, score: 0.5 }, { offset: 1, length: '{"id":1,"score":0.5}'.length, line: 1 }],
        [2, { id: 2, score: null, tags: ['x,]'] }, { offset: oneText.indexOf('{"id":2'), length: oneText.length - 1 - oneText.indexOf('{"id":2'), line: 1 }],
      ],
    );
    const text = '\ufeff[\n  {"id": 1},\n  {"id": 2, "s": "a\\"b"}\n]\n';
    const many = await read(write('b.json', text), 'json');
    assert.deepEqual(
      many.rows.map((r) => [r.n, r.value, r.at.line, r.at.offset]),
      [
        [1, { id: 1 }, 2, Buffer.from(text).indexOf('{"id": 1}')],
        [2, { id: 2, s: 'a"b' }, 3, Buffer.from(text).indexOf('{"id": 2')],
      ],
    );
  });

  it('a malformed element is a bad row and the next element is read', async () => {
    const got = await read(write('c.json', '[{"id":1},{"id":2,"score":NaN},{"id":3 "x":1},7,{"id":5}]'), 'json');
    assert.deepEqual(
      got.bad.map((b) => [b.n, b.message]),
      [
        [2, 'not JSON: NaN and Infinity are not JSON numbers'],
        [3, 'not JSON: `{"id":3 "x":1}`'],
        [4, 'expected a JSON object, found 7'],
      ],
    );
    assert.deepEqual(
      got.rows.map((r) => r.value.id),
      [1, 5],
    );
  });

  it('a file that is not an array, or ends inside it, is a TableError', async () => {
    await assert.rejects(read(write('d.json', '{"id":1}'), 'json'), new TableError('not a JSON array: the file starts with `{` at line 1, expected `[` (pandas: `to_json(orient="records")`)'));
    await assert.rejects(read(write('e.json', '[{"id":1},\n{"id":2'), 'json'), new TableError('the JSON array is not closed: the file ends inside row 2 (line 2)'));
  });
});

describe('tabular: writing a baseline', () => {
  const rows = [
    { id: 1, score: 0.5, label: 'a, "quoted"', probs: [0.1, 0.9] },
    { id: 2, score: null, label: 'b', probs: [0.5, 0.5] },
  ];
  for (const format of ['csv', 'json', 'parquet'] as const) {
    it(`${format}: what is written reads back (arrays too, as JSON text in CSV)`, async () => {
      const f = path.join(dir, `out.${format}`);
      const w = await writeTable(f, format);
      for (const r of rows) await w.add(r);
      await w.finish();
      const got = await read(f, format, { properties: { id: { type: 'integer' }, score: { type: ['number', 'null'] }, label: { type: 'string' }, probs: { type: 'array' } } });
      assert.deepEqual(got.bad, []);
      assert.deepEqual(
        got.rows.map((r) => r.value),
        rows,
      );
    });
  }
});

describe('tabular: odd headers', () => {
  it('a column named __proto__ is a field, not the prototype (CSV and Parquet)', async () => {
    const got = await read(write('p.csv', 'id,__proto__\n1,x\n'), 'csv');
    assert.equal(Object.getPrototypeOf(got.rows[0]!.value), Object.prototype);
    assert.deepEqual(Object.entries(got.rows[0]!.value), [
      ['id', '1'],
      ['__proto__', 'x'],
    ]);
    const f = path.join(dir, 'p.parquet');
    parquetWriteFile({ filename: f, columnData: [{ name: '__proto__', data: ['y'], type: 'STRING' }] });
    const pq = await read(f, 'parquet');
    assert.equal(Object.getPrototypeOf(pq.rows[0]!.value), Object.prototype);
    assert.deepEqual(Object.entries(pq.rows[0]!.value), [['__proto__', 'y']]);
  });

  it('numbers: decimal text only (no hex, no Infinity), signs and exponents', async () => {
    const got = await read(write('n.csv', 'score\n-1.5e3\n+2\n.5\n0x10\nInfinity\n'), 'csv', SCHEMA);
    assert.deepEqual(
      got.rows.map((r) => r.value.score),
      [-1500, 2, 0.5],
    );
    assert.deepEqual(
      got.bad.map((b) => [b.n, b.message]),
      [
        [4, 'column `score` is "0x10", expected number'],
        [5, 'column `score` is "Infinity", expected number'],
      ],
    );
  });
});

describe('tabular: a Parquet comparison reads only what it compares', () => {
  // rows with columns the comparison does not read, a missing and a non-numeric value, a flipped
  // label, a label outside the set, a duplicate and an extra key: every kind of row report
  const rows = (side: 'baseline' | 'current'): Array<Record<string, unknown>> =>
    Array.from({ length: 2500 }, (_, i) => {
      const id = `k${String(i).padStart(5, '0')}`;
      const p = Math.round(((i * 7919) % 1000) / 10) / 100;
      const r: Record<string, unknown> = { id, label: ['a', 'b', 'c'][i % 3], probability: p, note: `row ${i}`, extra: i * 2 };
      if (side === 'current') {
        if (i % 97 === 0) r.probability = p + 0.2;
        if (i === 5) r.probability = null;
        if (i === 6) r.label = 'zzz';
        if (i === 7) r.label = 'a';
        if (i === 2499) r.id = 'k00010';
      }
      return r;
    }).concat(side === 'current' ? [{ id: 'new-1', label: 'a', probability: 0.5, note: 'x', extra: 0 }] : []);
  const spec = { testId: 't', key: 'id', labels: ['a', 'b', 'c'], tolerance: { probability: { abs: 0.05 }, label: { agreement: 0.9 } }, drift: { probability: { psi: 0.2, ks: 0.2 } } };

  it('its report is the one the same rows give as JSONL, while the other columns are never decoded and outputs share one row object', async () => {
    const jsonl = new Comparison(spec, { units: { baseline: 'row', current: 'row' } });
    rows('baseline').forEach((r, i) => jsonl.addBaseline(i + 1, JSON.stringify(r)));
    rows('current').forEach((r, i) => jsonl.addCurrent(i + 1, JSON.stringify(r)));
    const want = jsonl.finish({ contractPath: 'c' });

    const files: string[] = [];
    for (const side of ['baseline', 'current'] as const) {
      const f = path.join(dir, `${side}.parquet`);
      const w = await writeTable(f, 'parquet');
      for (const r of rows(side)) await w.add(r);
      await w.finish();
      files.push(f);
    }
    const c = new Comparison(spec, { units: { baseline: 'row', current: 'row' } });
    assert.deepEqual([...c.columnsNeeded('baseline')!].sort(), ['id', 'label', 'probability']);
    assert.deepEqual(c.columnsNeeded('inputs'), new Set());
    assert.equal(new Comparison(spec, { validateOutput: () => undefined }).columnsNeeded('current'), undefined);
    await feedTable(c, 'baseline', files[0]!, 'parquet', undefined, 'b', {});
    await feedTable(c, 'current', files[1]!, 'parquet', undefined, 'c', {});
    const got = c.finish({ contractPath: 'c' });
    assert.deepEqual(got, want);
    assert.deepEqual(got.problems.slice(0, 2), [
      { file: 'current', line: 6, message: 'field `probability` is null, expected a number' },
      { file: 'current', line: 7, message: 'label `zzz` is not one of `a`, `b`, `c`' },
    ]);
    assert.equal(got.counts.matched, 2499);
    assert.equal(got.counts.extra, 1);
    assert.equal(got.counts.duplicateCurrent, 1);
  });

  it('reuseRow hands every row in one object, refilled; without it each row is its own', async () => {
    const f = path.join(dir, 't.parquet');
    const w = await writeTable(f, 'parquet');
    for (const r of rows('baseline').slice(0, 300)) await w.add(r);
    await w.finish();
    const seen = new Set<object>();
    const ids: unknown[] = [];
    await readTable(f, 'parquet', { row: (_n, v) => (seen.add(v), ids.push(v.id)), bad: () => undefined }, { reuseRow: true, columns: new Set(['id', 'nope']) });
    assert.equal(seen.size, 1);
    assert.deepEqual(Object.keys([...seen][0]!), ['id']);
    assert.deepEqual([ids[0], ids[299]], ['k00000', 'k00299']);
    const fresh = new Set<object>();
    await readTable(f, 'parquet', { row: (_n, v) => fresh.add(v), bad: () => undefined });
    assert.equal(fresh.size, 300);
    let total: number | undefined;
    await readTable(f, 'parquet', { row: () => undefined, bad: () => undefined, rows: (t) => (total = t) });
    assert.equal(total, 300);
  });
});
