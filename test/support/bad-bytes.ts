// What test/unit/bad-bytes.test.ts and test/system/bad-bytes.test.ts both
// assert: the invalid-UTF-8 and unclosed-quote messages, word for word, and
// the runbook whose double quote never closes.

export const UTF8_MSG = 'invalid UTF-8: the bytes here are not valid UTF-8 and were read as U+FFFD (the replacement character); save the file as UTF-8';
export const DQ_MSG = 'YAML: this double-quoted string is never closed: the `"` here has no closing `"`, so the rest of the file is read as part of it';

/** A runbook whose `description` opens a double quote on line 3 (column 14) that never closes. */
export const UNCLOSED_DQ = 'apiVersion: rollback-lens/v1\nkind: RollbackRunbook\ndescription: "abc\nmetadata: { name: x }\nsteps: []\n';
