// The pure language-service core: no `vscode`, no I/O.
export { DIAGNOSTIC_CODES } from './language/codes';
export * from './types';
export * from './util/text';
export * from './language/host';
export * from './util/path';
export * from './util/values';
export { LanguageService, type TextDocumentInput } from './language/service';
export { analyze, expectedKind, fileTooLarge, DEFAULT_ANALYSIS_OPTIONS, type Analysis, type AnalysisOptions } from './language/analysis';
export { SCHEMAS, API_VERSION, KINDS } from './language/schemas';
