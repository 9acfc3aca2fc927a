// The page-by-page Parquet reader (src/node/tabular/parquetPages.ts) against
// hyparquet's own parquetReadObjects, value for value (a differential test of
// two implementations): one big row group of many small pages, several row
// groups, plain and dictionary strings and doubles (with nulls), FLOAT and
// INT32 with nulls, INT64 beyond 2^53, booleans, nulls, timestamps; whole files and row ranges that start and end
// inside pages; the refilled row object. A file with a list column reads its
// flat columns page by page and the group whole when the list is read.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { parquetWriteFile } from 'hyparquet-writer';
import { groupsOf, openParquet, parquetFooter, plain, readGroupRows, readTable } from '../../src/node/tabular';
import { pageReadable } from '../../src/node/tabular/parquetPages';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-parquet-pages-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const N = 5_000;

function columns(n: number) {
  const id: string[] = [];
  const label: string[] = [];
  const p = new Float64Array(n);
  const big: bigint[] = [];
  const ok: boolean[] = [];
  const opt: Array<number | null> = [];
  const at: Date[] = [];
  const small: Array<number | null> = [];
  const cat: Array<string | null> = [];
  const level: Array<number | null> = [];
  const f32: Array<number | null> = [];
  for (let i = 0; i < n; i++) {
    id.push(`r${i}-${'é'.repeat(i % 5)}`);
    label.push(['setosa', 'versicolor', 'virginica'][(i * 7) % 3]!);
    p[i] = i / 7;
    big.push(BigInt(i) * 4_000_000_000_000n);
    ok.push(i % 3 === 0);
    opt.push(i % 4 === 0 ? null : i * 0.5);
    at.push(new Date(Date.UTC(2026, 0, 1) + i * 60_000));
    small.push(i % 9 === 0 ? null : i - 2_500);
    cat.push(i % 7 === 0 ? null : ['a', 'b', 'c', 'd'][i % 4]!);
    level.push(i % 5 === 0 ? null : [0.25, 0.5, 0.75][i % 3]!);
    f32.push(i % 11 === 0 ? null : i / 3);
  }
  return [
    { name: 'id', data: id, type: 'STRING' as const },
    { name: 'label', data: label, type: 'STRING' as const },
    { name: 'p', data: p, type: 'DOUBLE' as const },
    { name: 'big', data: big, type: 'INT64' as const },
    { name: 'ok', data: ok, type: 'BOOLEAN' as const },
    { name: 'opt', data: opt, type: 'DOUBLE' as const, nullable: true },
    { name: 'at', data: at, type: 'TIMESTAMP' as const },
    { name: 'small', data: small, type: 'INT32' as const, nullable: true },
    // few distinct values: dictionary-encoded, with nulls
    { name: 'cat', data: cat, type: 'STRING' as const, nullable: true },
    { name: 'level', data: level, type: 'DOUBLE' as const, nullable: true },
    { name: 'f32', data: f32, type: 'FLOAT' as const, nullable: true },
  ];
}

/** Every row as hyparquet reads it, made JSON-like. */
async function expected(file: string, rowStart?: number, rowEnd?: number): Promise<Array<Record<string, unknown>>> {
  const { buffer, close } = await openParquet(file);
  try {
    const rows = (await parquetReadObjects({ file: buffer, compressors, ...(rowStart !== undefined ? { rowStart } : {}), ...(rowEnd !== undefined ? { rowEnd } : {}) })) as Array<Record<string, unknown>>;
    return rows.map((r) => plain(r) as Record<string, unknown>);
  } finally {
    await close();
  }
}

async function readAll(file: string, reuseRow = false): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  await readTable(file, 'parquet', { row: (_n, v) => out.push({ ...v }), bad: (n, m) => assert.fail(`row ${n}: ${m}`) }, { reuseRow });
  return out;
}

describe('Parquet page by page, against hyparquet', () => {
  const file = (name: string) => path.join(dir, name);

  before(() => {
    parquetWriteFile({ filename: file('one-group.parquet'), rowGroupSize: N, pageSize: 2048, columnData: columns(N) });
    parquetWriteFile({ filename: file('groups.parquet'), rowGroupSize: 1_300, pageSize: 4096, columnData: columns(N) });
    parquetWriteFile({
      filename: file('list.parquet'),
      columnData: [
        { name: 'id', data: ['a', 'b', 'c'] },
        { name: 'scores', data: [[1.5, 2], [], [3]] },
      ],
      // a three-level LIST column, as Parquet's LogicalTypes.md lays it out
      schema: [
        { name: 'root', num_children: 2 },
        { name: 'id', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
        { name: 'scores', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
      ],
    });
  });

  it('the files have what the test needs: many pages in one group, and several groups', async () => {
    const { buffer, close } = await openParquet(file('one-group.parquet'));
    const meta = await parquetFooter(buffer);
    await close();
    assert.equal(meta.row_groups.length, 1);
    // a 2 KiB page of 5,000 ids: many pages per column
    assert.ok(Number(meta.row_groups[0]!.columns[0]!.meta_data!.total_compressed_size) > 10 * 2048);
    const g = await openParquet(file('groups.parquet'));
    assert.equal((await parquetFooter(g.buffer)).row_groups.length, 4);
    await g.close();
  });

  for (const name of ['one-group.parquet', 'groups.parquet']) {
    it(`${name}: every row, value for value, with and without the refilled row`, async () => {
      const want = await expected(file(name));
      assert.equal(want.length, N);
      assert.deepEqual(await readAll(file(name)), want);
      assert.deepEqual(await readAll(file(name), true), want);
    });
  }

  it('row ranges that start and end inside pages read exactly those rows', async () => {
    const { buffer, close } = await openParquet(file('one-group.parquet'));
    try {
      const groups = groupsOf(await parquetFooter(buffer));
      assert.ok(pageReadable(groups.metadata, 0, groups.columns, compressors), 'flat columns are read page by page');
      for (const [from, to] of [[0, 1], [1, 2], [777, 1_234], [4_999, 5_000], [2_500, 9_999]] as const) {
        const got: Array<[number, Record<string, unknown>]> = [];
        await readGroupRows(buffer, groups, 0, (r, v) => got.push([r, v]), from, to);
        const want = await expected(file('one-group.parquet'), from, Math.min(to, N));
        assert.deepEqual(got.map(([r]) => r), want.map((_w, i) => from + i), `rows ${from}..${to}`);
        assert.deepEqual(got.map(([, v]) => v), want, `values ${from}..${to}`);
      }
    } finally {
      await close();
    }
  });

  it('a list column is read with its row group whole; the flat columns beside it page by page', async () => {
    const { buffer, close } = await openParquet(file('list.parquet'));
    try {
      const all = groupsOf(await parquetFooter(buffer));
      assert.equal(pageReadable(all.metadata, 0, all.columns, compressors), undefined);
      assert.equal(pageReadable(all.metadata, 0, ['id'], compressors)?.length, 1);
    } finally {
      await close();
    }
    assert.deepEqual(await readAll(file('list.parquet')), [
      { id: 'a', scores: [1.5, 2] },
      { id: 'b', scores: [] },
      { id: 'c', scores: [3] },
    ]);
  });
});
