// The system tests' mocha config (`npm run test:system`): the tests that start
// real processes (the CLI, models, git, Prometheus) or listen on loopback,
// under the same TypeScript loader and pinned calendar as test/unit, whose
// config (.mocharc.json at the root) also refuses every process and server.
module.exports = {
  spec: ['test/system/**/*.test.ts'],
  require: ['test/unit/register.cjs', 'test/unit/pin-clock.cjs'],
  timeout: 20000,
  'forbid-only': true,
};
