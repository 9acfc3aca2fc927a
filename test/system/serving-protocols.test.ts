// The http source's serving presets (mlflow, tfserving, open-inference) end to
// end through `rollback-lens test`: the example contract pointed at a loopback
// server that follows each stack's public specification (test/support/serving.ts)
// with the example's real model behind it, answering without the id. Each
// preset's report must be the command source's (the same model as a process):
// the same rules, counts and offending rows. Each server is first shown to
// reject a malformed request with its own 400, so a lenient server cannot make
// the happy path pass. Retries on a preset: a 503, then the answer.
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli } from '../unit/helpers';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { irisModel, mlflowServer, openInferenceServer, tfservingServer, type ModelServer } from '../support/serving';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'iris');

function copy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-serving-'));
  cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') });
  return dir;
}

const edit = (file: string, from: string, to: string) => {
  const text = readFileSync(file, 'utf8');
  assert.ok(text.includes(from), `${from} in ${file}`);
  writeFileSync(file, text.replace(from, to));
};

const SOURCE = /source:\n {2}command: node model\/predict.mjs --model model\/v2.json\n/;

/** The example with its source replaced by `http` (YAML lines under `http:`), its outputs keyed `fromInput` and mapped by `fields`. */
function contractFor(http: string, fields?: string): string {
  const dir = copy();
  const file = path.join(dir, 'iris.contract.yaml');
  const text = readFileSync(file, 'utf8');
  assert.match(text, SOURCE);
  writeFileSync(file, text.replace(SOURCE, `source:\n  http:\n${http}`).replace('  concurrency: 1\n  batch: 500\n', ''));
  edit(file, 'output:\n  key: id\n', `output:\n  key: { fromInput: id }\n${fields ? `  fields: ${fields}\n` : ''}`);
  return dir;
}

const post = async (url: string, body: string, contentType = 'application/json') => {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
  return { status: r.status, body: (await r.json()) as unknown };
};

interface Report {
  tests: Array<{ testId: string; verdict: string; counts: unknown; rules: Array<{ id: string; verdict: string; message?: string }>; offending?: unknown; files?: { current?: string } }>;
}

let reference: Report['tests'][number];
const summary = (t: Report['tests'][number]) => ({ verdict: t.verdict, counts: t.counts, rules: t.rules.map((r) => [r.id, r.verdict, r.message]), offending: t.offending });

describe('http protocol presets against loopback servers that follow the public specifications', function () {
  this.timeout(60_000);
  const servers: ModelServer[] = [];
  after(async () => Promise.all(servers.map((s) => s.close())));

  before(async () => {
    // the reference: the same model as a process, keyed outputs; only the fields the presets map
    const dir = copy();
    const r = await runCli(dir, 'test', 'iris.contract.yaml', '--test', 'parity', '--format', 'json');
    reference = (JSON.parse(r.stdout) as Report).tests[0]!;
    assert.equal(reference.verdict, 'fail');
  });

  it('mlflow: a malformed request gets MLflow\'s 400 (and a wrong content type its 415); dataframe_records and dataframe_split give the process\'s report', async () => {
    const s = await mlflowServer();
    servers.push(s);
    assert.deepEqual(await post(`${s.url}/invocations`, '{"instances": [], "dataframe_records": [], "other": 1}'), {
      status: 400,
      body: {
        error_code: 'BAD_REQUEST',
        message:
          "Invalid input. The input must be a JSON dictionary with exactly one of the input fields {'dataframe_split', 'inputs', 'dataframe_records', 'instances'}. Received dictionary with input fields: ['instances', 'dataframe_records']. IMPORTANT: The MLflow Model scoring protocol has changed in MLflow version 2.0. If you are seeing this error, you are likely using an outdated scoring request format.",
      },
    });
    const wrongType = await fetch(`${s.url}/invocations`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"dataframe_records": []}' });
    assert.deepEqual([wrongType.status, await wrongType.text()], [415, "This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got 'text/plain'."]);
    for (const format of ['records', 'split']) {
      const before = s.requests.length;
      const dir = contractFor(`    url: ${s.url}\n    protocol: mlflow\n    format: ${format}\n  batch: 50\n  concurrency: 2\n`);
      const r = await runCli(dir, 'test', 'iris.contract.yaml', '--test', 'parity', '--format', 'json');
      assert.ok(r.stdout, r.stderr);
      const t = (JSON.parse(r.stdout) as Report).tests[0]!;
      assert.deepEqual(summary(t), summary(reference), format);
      const sent = s.requests.slice(before);
      assert.equal(sent.length, 3);
      assert.ok(sent.every((q) => q.url === '/invocations' && q.contentType === 'application/json'));
      const first = JSON.parse(sent[0]!.body) as Record<string, unknown>;
      assert.deepEqual(Object.keys(first), [format === 'records' ? 'dataframe_records' : 'dataframe_split']);
      const kept = readFileSync(path.join(dir, t.files!.current!), 'utf8').split('\n')[0]!;
      assert.deepEqual(Object.keys(JSON.parse(kept) as object), ['id', 'label', 'probability', 'scores']);
    }
  });

  it('tfserving: a request with both instances and inputs, or neither, or an input the model lacks, gets TF Serving\'s 400; row and columnar forms give the process\'s report', async () => {
    const s = await tfservingServer('iris');
    servers.push(s);
    assert.deepEqual(await post(`${s.url}/v1/models/iris:predict`, '{"instances": [], "inputs": {}}'), {
      status: 400,
      body: { error: 'JSON Value: {\n    "instances": [],\n    "inputs": {}\n} Not formatted correctly expecting only one of \'inputs\' or \'instances\' keys to exist ' },
    });
    assert.deepEqual(await post(`${s.url}/v1/models/iris:predict`, '{"signature_name": "serving_default"}'), { status: 400, body: { error: "Missing 'inputs' or 'instances' key" } });
    // every field of the record (the default) names inputs the model does not have: TF Serving refuses, the test reports it
    const all = contractFor(`    url: ${s.url}\n    protocol: tfserving\n    model: iris\n  batch: 75\n`, '{ label: "$.label", probability: "$.probability" }');
    const refused = await runCli(all, 'test', 'iris.contract.yaml', '--test', 'parity');
    assert.equal(refused.code, 2);
    assert.match(refused.stdout, /ERROR parity — POST http:\/\/127\.0\.0\.1:\d+\/v1\/models\/iris:predict answered 400 Bad Request for input lines 1-75: `\{"error":"JSON object: does not have named input: id"\}`/);
    for (const format of ['row', 'columnar']) {
      const before = s.requests.length;
      const dir = contractFor(`    url: ${s.url}\n    protocol: tfserving\n    model: iris\n    version: 2\n    format: ${format}\n    fields: [sepal_length, petal_length, petal_width]\n  batch: 75\n`, '{ label: "$.label", probability: "$.probability" }');
      const r = await runCli(dir, 'test', 'iris.contract.yaml', '--test', 'parity', '--format', 'json');
      assert.ok(r.stdout, r.stderr);
      const t = (JSON.parse(r.stdout) as Report).tests[0]!;
      assert.deepEqual(summary(t), summary(reference), format);
      const sent = s.requests.slice(before);
      assert.deepEqual(sent.map((q) => q.url), ['/v1/models/iris/versions/2:predict', '/v1/models/iris/versions/2:predict']);
      assert.deepEqual(Object.keys(JSON.parse(sent[0]!.body) as object), [format === 'row' ? 'instances' : 'inputs']);
    }
  });

  it('open-inference: a tensor whose data does not fit its shape gets the server\'s 400; one tensor per field and one 2-D tensor give the process\'s report', async () => {
    const s = await openInferenceServer('iris');
    servers.push(s);
    assert.deepEqual(await post(`${s.url}/v2/models/iris/infer`, JSON.stringify({ inputs: [{ name: 'input-0', shape: [1, 3], datatype: 'FP64', data: [1, 2] }] })), {
      status: 400,
      body: { error: "unexpected shape for input 'input-0': 2 values for shape [1,3]" },
    });
    const fields = '{ label: "$.label", probability: "$.probability" }';
    const variants = [
      '    fields: [sepal_length, petal_length, petal_width]\n',
      '    fields: [sepal_length, petal_length, petal_width]\n    tensor: { name: input-0 }\n    datatype: FP32\n',
    ];
    for (const v of variants) {
      const before = s.requests.length;
      const dir = contractFor(`    url: ${s.url}\n    protocol: open-inference\n    model: iris\n${v}  batch: 150\n`, fields);
      const r = await runCli(dir, 'test', 'iris.contract.yaml', '--test', 'parity', '--format', 'json');
      assert.ok(r.stdout, r.stderr);
      const t = (JSON.parse(r.stdout) as Report).tests[0]!;
      assert.deepEqual(summary(t), summary(reference), v);
      const sent = s.requests.slice(before);
      assert.equal(sent.length, 1);
      assert.equal(sent[0]!.url, '/v2/models/iris/infer');
      const inputs = (JSON.parse(sent[0]!.body) as { inputs: Array<{ name: string; shape: number[]; datatype: string; data: unknown[] }> }).inputs;
      if (v.includes('tensor')) {
        assert.deepEqual(inputs.map((i) => [i.name, i.shape, i.datatype, i.data.length]), [['input-0', [150, 3], 'FP32', 450]]);
        assert.deepEqual(inputs[0]!.data.slice(0, 3), [5.1, 1.4, 0.2]);
      } else {
        assert.deepEqual(inputs.map((i) => [i.name, i.shape, i.datatype]), [
          ['sepal_length', [150, 1], 'FP64'],
          ['petal_length', [150, 1], 'FP64'],
          ['petal_width', [150, 1], 'FP64'],
        ]);
      }
    }
  });

  it('retries on a preset: a 503, then the answer; without retries the 503 is the error', async () => {
    const s = await openInferenceServer('iris', { failFirst: 1 });
    servers.push(s);
    const dir = contractFor(`    url: ${s.url}\n    protocol: open-inference\n    model: iris\n    fields: [sepal_length, petal_length, petal_width]\n    retryDelay: 10ms\n  batch: 150\n  retries: 1\n`, '{ label: "$.label", probability: "$.probability" }');
    const r = await runCli(dir, 'test', 'iris.contract.yaml', '--test', 'parity', '--format', 'json');
    assert.deepEqual(summary((JSON.parse(r.stdout) as Report).tests[0]!), summary(reference));
    assert.equal(s.requests.length, 2);
    const again = await openInferenceServer('iris', { failFirst: 1 });
    servers.push(again);
    edit(path.join(dir, 'iris.contract.yaml'), s.url, again.url);
    edit(path.join(dir, 'iris.contract.yaml'), '  retries: 1\n', '');
    const failed = await runCli(dir, 'test', 'iris.contract.yaml', '--test', 'parity');
    assert.equal(failed.code, 2);
    assert.match(failed.stdout, new RegExp(`ERROR parity — POST ${again.url.replace(/[.]/g, '\\.')}/v2/models/iris/infer answered 503 Service Unavailable for input lines 1-150: \`\\{"error":"Service Unavailable"\\}\``));
  });
});

describe('a plain http endpoint (no protocol) answering bare predictions', function () {
  this.timeout(60_000);

  it('`[label, probability]` per input under `predictions`, mapped by `output.fields`: the process\'s report; without `fields` the same answer is an error naming the output', async () => {
    const model = irisModel();
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const rows = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>[];
        const text = JSON.stringify({ predictions: rows.map((r) => { const s = model.score(r); return [s.label, s.probability]; }) });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/predict`;
      const dir = contractFor(`    url: ${url}\n    outputsPath: predictions\n  batch: 150\n`, '{ label: "$[0]", probability: "$[1]" }');
      const r = await runCli(dir, 'test', 'iris.contract.yaml', '--test', 'parity', '--format', 'json');
      assert.ok(r.stdout, r.stderr);
      assert.deepEqual(summary((JSON.parse(r.stdout) as Report).tests[0]!), summary(reference));
      edit(path.join(dir, 'iris.contract.yaml'), '  fields: { label: "$[0]", probability: "$[1]" }\n', '');
      const bare = await runCli(dir, 'test', 'iris.contract.yaml', '--test', 'parity');
      assert.equal(bare.code, 2);
      assert.match(bare.stdout, /ERROR parity — POST http:\/\/127\.0\.0\.1:\d+\/predict: the response for input lines 1-150: output 1 is not a JSON object: `\["setosa",0\.991196\]`/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
