// Semantic checks of an InterfaceContract: deprecation dates against the
// injected clock, deprecated output fields still used by tests, duplicate test ids.
import type { Diagnostic } from '../types';
import { formatDate, parseDate } from '../values';
import { asArray, asObject, asString, diag, keyAt, valueAt, type CheckContext } from './context';

const DAY = 86_400_000;

export function checkContract(ctx: CheckContext): Diagnostic[] {
  return [...checkDeprecations(ctx), ...checkTestIds(ctx)];
}

function checkDeprecations(ctx: CheckContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const now = ctx.host.now();
  const today = Math.floor(now / DAY) * DAY;
  asArray(ctx.value.deprecations).forEach((raw, i) => {
    const d = asObject(raw);
    const field = asString(d.field);
    const removeAfterText = asString(d.removeAfter);
    const sinceText = asString(d.since);
    if (!field || !removeAfterText) return;
    const removeAfter = parseDate(removeAfterText);
    if (!removeAfter.ok) return; // the schema check explains the date
    const since = sinceText ? parseDate(sinceText) : undefined;
    if (since && !since.ok) return; // the date syntax check explains it
    if (since && since.ok && since.value > removeAfter.value) {
      out.push(diag(valueAt(ctx, ['deprecations', i, 'removeAfter']), 'error', 'deprecation-dates', `removeAfter ${removeAfterText} is before since ${sinceText}`));
      return;
    }
    const replacement = asString(d.replacement);
    const instead = replacement ? `; use \`${replacement}\` instead` : '';
    let severity: 'error' | 'warning' | undefined;
    let message = '';
    let code = '';
    if (today > removeAfter.value) {
      severity = 'error';
      code = 'deprecation-expired';
      const days = Math.round((today - removeAfter.value) / DAY);
      message = `\`${field}\` was to be removed after ${removeAfterText} (${days} day${days === 1 ? '' : 's'} ago)${instead}`;
    } else if (!since || !since.ok || today >= since.value) {
      severity = 'warning';
      code = 'deprecation-window';
      message = `\`${field}\` is deprecated${sinceText ? ` since ${sinceText}` : ''} and will be removed after ${removeAfterText}${instead}`;
    }
    if (!severity) return;
    out.push(diag(valueAt(ctx, ['deprecations', i, 'field']), severity, code, message));
    // tests still comparing the deprecated output field
    const outputField = field.startsWith('output.') ? field.slice('output.'.length) : undefined;
    if (!outputField) return;
    asArray(ctx.value.tests).forEach((t, ti) => {
      for (const section of ['tolerance', 'drift'] as const) {
        if (Object.prototype.hasOwnProperty.call(asObject(asObject(t)[section]), outputField)) {
          out.push(
            diag(keyAt(ctx, ['tests', ti, section, outputField]), severity, code, `test uses deprecated field \`${field}\` (removal after ${formatDate(removeAfter.value)})${instead}`),
          );
        }
      }
    });
  });
  return out;
}

function checkTestIds(ctx: CheckContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const first = new Map<string, number>();
  asArray(ctx.value.tests).forEach((raw, i) => {
    const id = asString(asObject(raw).id);
    if (!id) return;
    const prev = first.get(id);
    if (prev === undefined) {
      first.set(id, i);
      return;
    }
    out.push(
      diag(valueAt(ctx, ['tests', i, 'id']), 'error', 'duplicate-test-id', `test id \`${id}\` is already used by test ${prev + 1}`, {
        related: [{ span: valueAt(ctx, ['tests', prev, 'id']), message: `first use of \`${id}\`` }],
      }),
    );
  });
  return out;
}
