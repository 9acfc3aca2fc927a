// Checks of where `communication` messages go: a webhook URL written in the
// runbook is a warning (`webhook-literal`) at the URL, because an incoming
// webhook's URL is its credential (anyone holding it can post to the channel)
// and a runbook lives in the repository; `to: { webhook: { env: NAME } }`
// reads it from the environment instead. A warning, not an error: a loopback
// or internal URL that carries no token is a fair choice, and the run still
// posts to it. The placeholders of the templates are checked with every other
// template's (references.ts).
import type { Diagnostic } from '../../types';
import { asArray, asObject, diag, valueAt, type CheckContext } from './context';

export function checkComms(ctx: CheckContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  asArray(ctx.value.communication).forEach((c, i) => {
    const w = asObject(asObject(c).to).webhook;
    if (typeof w !== 'string' || !w) return;
    const audience = asObject(c).audience;
    out.push(
      diag(
        valueAt(ctx, ['communication', i, 'to', 'webhook']),
        'warning',
        'webhook-literal',
        `the webhook URL of ${typeof audience === 'string' ? `audience \`${audience}\`` : `communication ${i + 1}`} is written in the runbook, where anyone who reads the repository can post with it: read it from the environment instead (\`webhook: { env: NAME }\`)`,
      ),
    );
  });
  return out;
}
