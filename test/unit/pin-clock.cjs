// Pins the calendar of every test (the unit tests, every CLI process they
// start, and the VS Code suites' extension host through test/vscode/harness.mjs,
// all of which inherit the environment) to one documented date, so that no
// test's verdict depends on the day it runs: deprecation dates and drill
// cadence are judged against it (src/node/clock.ts). Set ROLLBACK_LENS_NOW
// yourself to see what the suites say on another day.
const PINNED_NOW = '2026-11-22';
process.env.ROLLBACK_LENS_NOW ??= PINNED_NOW;
module.exports = { PINNED_NOW };
