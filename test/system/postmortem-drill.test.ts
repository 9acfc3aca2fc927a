// The after-action review from a real drill: a copy of examples/iris (its
// alias store inside the copy, its serving endpoint on a loopback server of
// this test, its contract serving 1.4.2 so the verify step passes) drilled
// and then `postmortem` run by the CLI as real processes. Each section of the
// Markdown is compared exactly: the durations from the drill's own audit
// record, the windows and owners from the runbook, the due date from the
// pinned calendar (test/unit/pin-clock.cjs). Then which record a post-mortem
// is written from (the newest, or --record by line or hash prefix), that an
// existing one is never overwritten, and that validate warns on its overdue
// items once the calendar passes their due date.
import * as assert from "node:assert/strict";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { readAuditLog, type AuditEntry } from "../../src/node/audit";
import { humanDuration } from "../../src/core/runbook/render";
import { spawn } from "node:child_process";
import { cliBundle } from "../unit/helpers";

/** The bundled CLI as a real process, awaited (not spawnSync: this process's loopback server must answer the drill's http step meanwhile). */
function runCliProcess(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliBundle(), ...args], {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const EXAMPLE = path.resolve(__dirname, "..", "..", "examples", "iris");

function edit(text: string, from: string, to: string): string {
  assert.equal(
    text.split(from).length,
    2,
    `the example must contain \`${from}\` exactly once`,
  );
  return text.replace(from, to);
}

/** A copy of the example: alias store inside it, serving on `port`, the contract serving 1.4.2 (its parity test passes). */
function example(port: number): string {
  const dir = mkdtempSync(path.join(tmpdir(), "rl-postmortem-"));
  cpSync(EXAMPLE, dir, {
    recursive: true,
    filter: (src) =>
      !src.includes(".rollback-lens") &&
      !src.includes(".registry") &&
      !src.includes("postmortems"),
  });
  const runbook = path.join(dir, "iris.runbook.yaml");
  let text = edit(
    readFileSync(runbook, "utf8"),
    "ALIAS_STORE: /tmp/iris-drill-registry",
    "ALIAS_STORE: .registry-drill",
  );
  text = text
    .split("http://iris-serving.ml.svc:8080")
    .join(`http://127.0.0.1:${port}`);
  writeFileSync(runbook, text);
  const contract = path.join(dir, "iris.contract.yaml");
  writeFileSync(
    contract,
    edit(
      readFileSync(contract, "utf8"),
      "command: node model/predict.mjs --model model/v2.json",
      "command: node model/predict.mjs --model model/v1.json",
    ),
  );
  return dir;
}

/** The Markdown's `## ` sections by title, each its text up to the next. */
function sections(md: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts = md.split(/^## /m);
  out.set("", parts[0]!);
  for (const p of parts.slice(1))
    out.set(p.slice(0, p.indexOf("\n")), p.slice(p.indexOf("\n") + 1));
  return out;
}

const ms = (record: AuditEntry["record"], k: string) =>
  humanDuration((record.timings as Record<string, number>)[k]!);

describe("postmortem: the after-action review of a real drill of examples/iris", function () {
  this.timeout(180_000);
  let server: http.Server;
  let port: number;
  before(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) =>
      server.listen(0, "127.0.0.1", resolve),
    );
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("writes every section from the drill record; selects records; never overwrites; validate warns once its items are overdue", async () => {
    const dir = example(port);
    const none = await runCliProcess(dir, ["postmortem", "iris.runbook.yaml"]);
    assert.deepEqual(none, {
      code: 2,
      stdout: "",
      stderr:
        "rollback-lens: no drill or rollback of iris.runbook.yaml is recorded in .rollback-lens/audit.jsonl: run `rollback-lens drill iris.runbook.yaml --scenario <id>` first\n",
    });

    const drill = await runCliProcess(dir, [
      "drill",
      "iris.runbook.yaml",
      "--scenario",
      "latency-spike",
    ]);
    assert.equal(drill.code, 0, drill.stdout + drill.stderr);
    const log = (await readAuditLog(dir)).entries;
    assert.deepEqual(
      log.map((e) => e.record.kind),
      ["approval", "drill"],
    );
    const entry = log[1]!;
    const rec = entry.record;
    const day = rec.time.slice(0, 10);
    const name = `postmortems/iris/${day}-drill-latency-spike.md`;

    const written = await runCliProcess(dir, [
      "postmortem",
      "iris.runbook.yaml",
    ]);
    assert.deepEqual(written, {
      code: 0,
      stdout: `wrote ${name}: the after-action review of drill latency-spike (pass, ${rec.time}), audit record ${entry.hash} (line 2)\n`,
      stderr: "",
    });
    const md = readFileSync(path.join(dir, name), "utf8");
    const s = sections(md);
    assert.deepEqual(
      [...s.keys()],
      [
        "",
        "Timeline",
        "Triggers that fired",
        "Steps",
        "Fidelity",
        "Verification",
        "Root cause",
        "Human factors",
        "Action items",
      ],
    );
    assert.equal(
      s.get(""),
      [
        "# After-action review: drill `latency-spike` of iris.runbook.yaml",
        "",
        "- **Runbook**: [iris.runbook.yaml](../../iris.runbook.yaml)",
        "- **Release**: iris-classifier 2.0.0 → 1.4.2",
        `- **Audit record**: \`${entry.hash}\` (line 2 of .rollback-lens/audit.jsonl)`,
        `- **When**: ${rec.time}, by ${rec.user}`,
        "- **Verdict**: PASS, restored",
        "",
        '_Written by `rollback-lens postmortem` on 2026-11-22. The sections up to "Root cause" are what the audit record says; windows and roles are the runbook\'s as it is now. Root cause, human factors and action items are yours to complete._',
        "",
        "",
      ].join("\n"),
    );
    assert.equal(
      s.get("Timeline"),
      [
        "",
        "| Phase | Took | Window | Scenario expects |",
        "| --- | --- | --- | --- |",
        `| detect | ${ms(rec, "detectMs")} | 35m: within | detectWithin 6m: met |`,
        "| decide | 2m | 15m: within | decideWithin 5m: met |",
        `| execute | ${ms(rec, "executeMs")} | — | — |`,
        `| verify | ${ms(rec, "verifyMs")} | — | — |`,
        `| restore (execute + verify) | ${ms(rec, "restoreMs")} | 30m: within | restoreWithin 10m: met |`,
        "",
        "",
      ].join("\n"),
    );
    assert.equal(
      s.get("Triggers that fired"),
      "\n- `slow`: p99_latency_ms = 400 — `p99_latency_ms is 400 > 250 (a single value, taken to hold for 5m): fires`\n\n",
    );
    const steps = rec.steps as Record<string, { durationMs: number }>;
    const took = (id: string) => humanDuration(steps[id]!.durationMs);
    assert.equal(
      s.get("Steps"),
      [
        "",
        "| Step | Kind | Owner | Outcome | Took | Undo |",
        "| --- | --- | --- | --- | --- | --- |",
        "| `approve` | approve | decisionMaker | approved | 2m | — |",
        `| \`announce-start\` | notify | — | done | ${took("announce-start")} | — |`,
        `| \`flag-off\` | flag | technicalLead | done | ${took("flag-off")} | — |`,
        `| \`repoint\` | run | technicalLead | done | ${took("repoint")} | — |`,
        `| \`pin-serving\` | http | sre | done | ${took("pin-serving")} | — |`,
        `| \`verify\` | verify | technicalLead | done | ${took("verify")} | — |`,
        `| \`announce-done\` | notify | commsLiaison | done | ${took("announce-done")} | — |`,
        "",
        "",
      ].join("\n"),
    );
    assert.equal(
      s.get("Fidelity"),
      [
        "",
        "- fidelity\\: 150/150 rows within tolerance \\(1\\), label agreement 1 \\(150/150\\), max \\|Δ\\| 0 \\(`probability` at `iris-001`\\); `parity` of iris\\.contract\\.yaml against the 1\\.4\\.2 baseline",
        "- `verify`: contract test `parity` of iris\\.contract\\.yaml pass: 150/150 rows within tolerance, 150/150 labels agree, max \\|Δ\\| 0 \\(`probability` at `iris-001`\\)",
        "- met: fidelity agreement &gt;= 0\\.99 was met\\: 1 \\(150/150 rows agree\\)",
        "",
        "",
      ].join("\n"),
    );
    assert.equal(
      s.get("Verification"),
      "\n- `verify`: done — contract test parity passed\n\n",
    );
    assert.equal(
      s.get("Root cause")!.split("\n")[1],
      "What the record says: the drill ended restored.",
    );
    assert.match(
      s.get("Human factors")!,
      /^- The decision took 2m against a window of 15m: what made it quick or slow\?$/m,
    );
    assert.match(
      s.get("Human factors")!,
      /^- Was anyone unsure whose call it was, or whom to tell\? \(roles: decisionMaker, technicalLead, dataSteward, commsLiaison, sre\)$/m,
    );
    assert.equal(
      s.get("Action items"),
      [
        "",
        "_Owner: a role of the runbook (decisionMaker, technicalLead, dataSteward, commsLiaison, sre). Due: YYYY-MM-DD. Status: open or done. `rollback-lens validate` warns about open items past their due date._",
        "",
        "| Action | Owner | Due | Status |",
        "| --- | --- | --- | --- |",
        "| Review this drill with the team: keep, change or add action items | decisionMaker | 2026-12-06 | open |",
        "",
      ].join("\n"),
    );

    // never over an existing post-mortem: the same record is refused, naming the file
    const again = await runCliProcess(dir, ["postmortem", "iris.runbook.yaml"]);
    assert.deepEqual(again, {
      code: 2,
      stdout: "",
      stderr: `rollback-lens: the post-mortem of drill record ${entry.hash.slice(0, 19)}… (line 2 of .rollback-lens/audit.jsonl) is already written: ${name}; edit it, or choose another record with --record\n`,
    });
    assert.equal(readFileSync(path.join(dir, name), "utf8"), md, "untouched");

    // validate: nothing due yet on the pinned day; overdue once the calendar passes 2026-12-06, at the due date's place
    assert.deepEqual(
      await runCliProcess(dir, ["validate", "iris.runbook.yaml"]),
      { code: 0, stdout: "", stderr: "1 file checked: 0 errors, 0 warnings\n" },
    );
    const dueLine = md
      .split("\n")
      .findIndex((l) => l.includes("| 2026-12-06 |"));
    const dueCol = md.split("\n")[dueLine]!.indexOf("2026-12-06");
    assert.deepEqual(
      await runCliProcess(dir, ["validate", "iris.runbook.yaml"], {
        ROLLBACK_LENS_NOW: "2026-12-10",
      }),
      {
        code: 0,
        stdout: `${name}:${dueLine + 1}:${dueCol + 1}: warning postmortem-action-overdue action item overdue: "Review this drill with the team: keep, change or add action items" was due on 2026-12-06 (4 days ago) and is still open; owner decisionMaker\n`,
        stderr: "1 file checked: 0 errors, 1 warning\n",
      },
    );
    writeFileSync(
      path.join(dir, name),
      md.replace("| 2026-12-06 | open |", "| 2026-12-06 | done |"),
    );
    assert.equal(
      (
        await runCliProcess(dir, ["validate", "iris.runbook.yaml"], {
          ROLLBACK_LENS_NOW: "2026-12-10",
        })
      ).stdout,
      "",
      "a done item is never overdue",
    );

    // a newer drill: its record is the one written from; one of the same scenario and day gets the next free name
    for (let i = 0; i < 2; i++)
      assert.equal(
        (
          await runCliProcess(dir, [
            "drill",
            "iris.runbook.yaml",
            "--scenario",
            "repoint-fails",
          ])
        ).code,
        0,
      );
    const after = (await readAuditLog(dir)).entries;
    const newest = after.at(-1)!;
    const other = `postmortems/iris/${newest.record.time.slice(0, 10)}-drill-repoint-fails.md`;
    assert.equal(
      (await runCliProcess(dir, ["postmortem", "iris.runbook.yaml"])).stdout,
      `wrote ${other}: the after-action review of drill repoint-fails (pass, ${newest.record.time}), audit record ${newest.hash} (line ${newest.line})\n`,
    );
    const older = after.filter((e) => e.record.kind === 'drill').at(-2)!;
    const second = other.replace(".md", "-2.md");
    assert.equal(
      (
        await runCliProcess(dir, [
          "postmortem",
          "iris.runbook.yaml",
          "--record",
          String(older.line),
        ])
      ).stdout,
      `wrote ${second}: the after-action review of drill repoint-fails (pass, ${older.record.time}), audit record ${older.hash} (line ${older.line})\n`,
    );
    const repoint = sections(readFileSync(path.join(dir, second), "utf8"));
    assert.equal(
      repoint.get("Triggers that fired"),
      "\n- `drift`: score_psi = 0.35 — `score_psi is 0.35 > 0.2: fires`\n\n",
    );
    assert.match(
      repoint.get("Steps")!,
      /^\| `flag-off` \| flag \| technicalLead \| done \| [^|]+ \| undone \|$/m,
    );
    assert.match(
      repoint.get("Steps")!,
      /^\| `repoint` \| run \| technicalLead \| failed \| [^|]+ \| — \|$/m,
    );
    assert.match(
      repoint.get("Steps")!,
      /^\| `pin-serving` \| http \| sre \| not reached \| — \| — \|$/m,
    );
    assert.equal(
      repoint.get("Verification"),
      "\nNo verify step ran: nothing compared the outputs with the baseline.\n\n",
    );

    // --record by hash prefix: the first drill again, once its post-mortem is gone
    rmSync(path.join(dir, name));
    const byHash = await runCliProcess(dir, [
      "postmortem",
      "iris.runbook.yaml",
      "--record",
      entry.hash.slice(0, "sha256:".length + 10),
    ]);
    assert.equal(byHash.code, 0, byHash.stderr);
    assert.equal(
      readFileSync(path.join(dir, name), "utf8"),
      md,
      "the same review again",
    );
    // --record naming what is not a drill of this runbook, nothing, or nothing readable
    assert.deepEqual(
      await runCliProcess(dir, [
        "postmortem",
        "iris.runbook.yaml",
        "--record",
        "1",
      ]),
      {
        code: 2,
        stdout: "",
        stderr:
          "rollback-lens: the record at line 1 is of kind approval (about iris.runbook.yaml), not a drill or rollback of iris.runbook.yaml\n",
      },
    );
    assert.equal(
      (
        await runCliProcess(dir, [
          "postmortem",
          "iris.runbook.yaml",
          "--record",
          "99",
        ])
      ).stderr,
      "rollback-lens: no record of .rollback-lens/audit.jsonl is at line 99\n",
    );
    assert.equal(
      (
        await runCliProcess(dir, [
          "postmortem",
          "iris.runbook.yaml",
          "--record",
          "latest",
        ])
      ).stderr,
      "rollback-lens: --record must be a line of .rollback-lens/audit.jsonl as `audit list` shows it (e.g. 12) or a record's hash prefix of at least 8 hex digits (e.g. sha256:1a2b3c4d), not `latest`\n",
    );
    assert.deepEqual(
      readdirSync(path.join(dir, "postmortems", "iris")).sort(),
      [path.basename(name), path.basename(other), path.basename(second)].sort(),
    );
    assert.ok(
      !existsSync(
        path.join(
          dir,
          "postmortems",
          "iris",
          `${day}-drill-latency-spike-2.md`,
        ),
      ),
    );
  });
});
