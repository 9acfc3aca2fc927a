// The streaming JSONL reader: line numbers and byte offsets whatever the
// chunking, blank lines, CRLF, a BOM, too-long lines in bounded memory; and
// the streaming SHA-256 helper.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { countJsonlRecords, LineSplitter, readJsonl, sha256File, type JsonlItem } from '../../src/node/jsonl';

async function collect(input: Parameters<typeof readJsonl>[0], options: Parameters<typeof readJsonl>[1] = {}): Promise<JsonlItem[]> {
  const out: JsonlItem[] = [];
  for await (const item of readJsonl(input, options)) out.push(item);
  return out;
}

/** The bytes as a stream of chunks cut at the given positions. */
function chunked(bytes: Buffer, cuts: number[]): Readable {
  const parts: Buffer[] = [];
  let prev = 0;
  for (const c of [...cuts, bytes.length]) {
    if (c > prev) parts.push(bytes.subarray(prev, c));
    prev = Math.max(prev, c);
  }
  return Readable.from(parts);
}

/** Reference: what the reader must yield, computed naively from the whole text. */
function expected(bytes: Buffer, max = 1024 * 1024): JsonlItem[] {
  let start = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  const out: JsonlItem[] = [];
  let line = 1;
  let s = start;
  while (s <= bytes.length) {
    let e = bytes.indexOf(10, s);
    const last = e === -1;
    if (last) e = bytes.length;
    let end = e;
    if (end > s && bytes[end - 1] === 13) end--;
    const text = bytes.subarray(s, end).toString('utf8');
    if (end - s > max) out.push({ line, offset: s, tooLong: true, length: end - s });
    else if (text.trim() !== '' && !/^[ \t\r]*$/.test(text)) out.push({ line, text, offset: s });
    if (last) break;
    s = e + 1;
    line++;
  }
  return out;
}

/** Runs `gc()` when it can, so heap measurements are not noise from earlier tests. */
function gc(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

describe('jsonl: readJsonl', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-jsonl-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('yields each line with its 1-based number and byte offset; blank lines are skipped but counted', async () => {
    const f = path.join(dir, 'a.jsonl');
    fs.writeFileSync(f, '{"a":1}\n\n   \n{"b":"é"}\n\t\n{"c":3}');
    assert.deepEqual(await collect(f), [
      { line: 1, text: '{"a":1}', offset: 0 },
      { line: 4, text: '{"b":"é"}', offset: 13 },
      { line: 6, text: '{"c":3}', offset: 26 },
    ]);
  });

  it('handles CRLF, a trailing newline and a UTF-8 BOM (dropped; the first offset is 3)', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}\r\n\r\n{"b":2}\r\n')]);
    assert.deepEqual(await collect(Readable.from([bytes])), [
      { line: 1, text: '{"a":1}', offset: 3 },
      { line: 3, text: '{"b":2}', offset: 14 },
    ]);
  });

  it('a BOM-only first line is blank; a BOM later in the stream is kept', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    assert.deepEqual(await collect(Readable.from([Buffer.concat([bom, Buffer.from('\n{"a":1}\n'), bom, Buffer.from('x\n')])])), [
      { line: 2, text: '{"a":1}', offset: 4 },
      { line: 3, text: '\ufeffx', offset: 12 },
    ]);
  });

  it('gives the same lines, numbers and offsets however the bytes are chunked', async () => {
    const text = '\ufeff{"id":1,"s":"é€😀"}\r\n\r\n  \n{"id":2}\n{"id":3,"long":"' + 'y'.repeat(40) + '"}\r\n{"id":4}';
    const bytes = Buffer.from(text, 'utf8');
    for (const max of [1024, 30]) {
      const want = expected(bytes, max);
      assert.ok(want.some((i) => 'tooLong' in i) === (max === 30));
      // every single cut, every pair of cuts, and one-byte chunks
      for (let a = 0; a <= bytes.length; a++) {
        assert.deepEqual(await collect(chunked(bytes, [a]), { maxLineBytes: max }), want, `cut at ${a}, max ${max}`);
        for (let b = a + 1; b <= bytes.length; b += 7) assert.deepEqual(await collect(chunked(bytes, [a, b]), { maxLineBytes: max }), want, `cuts at ${a},${b}`);
      }
      assert.deepEqual(await collect(chunked(bytes, [...bytes.keys()])), expected(bytes));
    }
  });

  it('a line longer than maxLineBytes yields {line, offset, tooLong, length} and the lines after it still come', async () => {
    const f = path.join(dir, 'long.jsonl');
    fs.writeFileSync(f, `{"a":1}\n${'z'.repeat(100)}\r\n{"b":2}\n${'q'.repeat(10)}\n`);
    assert.deepEqual(await collect(f, { maxLineBytes: 10 }), [
      { line: 1, text: '{"a":1}', offset: 0 },
      { line: 2, offset: 8, tooLong: true, length: 100 },
      { line: 3, text: '{"b":2}', offset: 110 },
      { line: 4, text: 'qqqqqqqqqq', offset: 118 },
    ]);
    const tooLong = (await collect(f, { maxLineBytes: 10 })).find((i) => 'tooLong' in i)!;
    assert.equal('text' in tooLong, false, "a too-long item has no text, so `'text' in item` tells them apart");
  });

  it('a line of exactly maxLineBytes, with or without CR, is kept', async () => {
    assert.deepEqual(await collect(Readable.from([Buffer.from('abcde\r\nabcde\nabcdef')]), { maxLineBytes: 5 }), [
      { line: 1, text: 'abcde', offset: 0 },
      { line: 2, text: 'abcde', offset: 7 },
      { line: 3, offset: 13, tooLong: true, length: 6 },
    ]);
  });

  it('reads a 10 MiB line in bounded memory: the heap grows far less than the line', async () => {
    const size = 10 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 0x78);
    async function* stream(): AsyncGenerator<Buffer> {
      yield Buffer.from('{"a":1}\n');
      for (let i = 0; i < size / chunk.length; i++) yield chunk;
      yield Buffer.from('\n{"b":2}\n');
    }
    gc();
    const before = process.memoryUsage();
    let peak = 0;
    const items: JsonlItem[] = [];
    for await (const item of readJsonl(stream())) {
      items.push(item);
      peak = Math.max(peak, process.memoryUsage().heapUsed - before.heapUsed);
    }
    const after = process.memoryUsage();
    assert.deepEqual(items, [
      { line: 1, text: '{"a":1}', offset: 0 },
      { line: 2, offset: 8, tooLong: true, length: size },
      { line: 3, text: '{"b":2}', offset: 8 + size + 1 },
    ]);
    assert.ok(peak < 2 * 1024 * 1024, `heap grew by ${peak} bytes while reading`);
    assert.ok(after.heapUsed - before.heapUsed < 2 * 1024 * 1024, `heap grew by ${after.heapUsed - before.heapUsed} bytes`);
  });

  it('reads any async iterable of Buffers, Uint8Arrays or strings', async () => {
    async function* mixed(): AsyncGenerator<Buffer | Uint8Array | string> {
      yield '{"a":';
      yield new Uint8Array(Buffer.from('1}\n{"b"'));
      yield Buffer.from(':2}');
    }
    assert.deepEqual(await collect(mixed()), [
      { line: 1, text: '{"a":1}', offset: 0 },
      { line: 2, text: '{"b":2}', offset: 8 },
    ]);
  });

  it('an empty input yields nothing; a missing file rejects with ENOENT', async () => {
    assert.deepEqual(await collect(Readable.from([])), []);
    await assert.rejects(collect(path.join(dir, 'nope.jsonl')), { code: 'ENOENT' });
  });

  it('stops with the signal', async () => {
    const f = path.join(dir, 'many.jsonl');
    fs.writeFileSync(f, '{"a":1}\n'.repeat(100_000));
    const ac = new AbortController();
    let n = 0;
    await assert.rejects(
      (async () => {
        for await (const _ of readJsonl(f, { signal: ac.signal, highWaterMark: 1024 })) if (++n === 10) ac.abort();
      })(),
      { name: 'AbortError' },
    );
    assert.ok(n < 1000);
  });

  it('countJsonlRecords counts non-blank lines, too-long ones included', async () => {
    const f = path.join(dir, 'count.jsonl');
    fs.writeFileSync(f, `{"a":1}\n\n${'x'.repeat(50)}\n{"b":2}`);
    assert.equal(await countJsonlRecords(f, { maxLineBytes: 10 }), 3);
  });

  it('LineSplitter works on pushed chunks and tells the next line number', () => {
    const s = new LineSplitter(100);
    assert.deepEqual(s.push(Buffer.from('{"a":1}\n{"b"')), [{ line: 1, text: '{"a":1}', offset: 0 }]);
    assert.equal(s.nextLine, 2);
    assert.deepEqual(s.push(Buffer.from(':2}\r')), []);
    assert.deepEqual(s.end(), [{ line: 2, text: '{"b":2}', offset: 8 }]);
  });
});

describe('jsonl: sha256File', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-sha-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is the SHA-256 of the bytes, as sha256:<hex>', async () => {
    const f = path.join(dir, 'x.bin');
    const data = Buffer.alloc(1_000_003, 7);
    fs.writeFileSync(f, data);
    assert.equal(await sha256File(f), `sha256:${createHash('sha256').update(data).digest('hex')}`);
    fs.writeFileSync(f, '');
    assert.equal(await sha256File(f), 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('agrees with the digest the iris example recorded for its inputs', async () => {
    const meta = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../examples/iris/data/baseline-1.4.2.meta.json'), 'utf8'));
    assert.equal(await sha256File(path.resolve(__dirname, '../../examples/iris/data/inputs.jsonl')), meta.inputs.digest);
  });
});
