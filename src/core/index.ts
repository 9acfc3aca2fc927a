// The pure language-service core: no `vscode`, no I/O.
export { DIAGNOSTIC_CODES } from './codes';
export * from './types';
export * from './text';
export * from './host';
export * from './values';
export { LanguageService, type TextDocumentInput } from './service';
export { analyze, expectedKind, fileTooLarge, DEFAULT_ANALYSIS_OPTIONS, type Analysis, type AnalysisOptions } from './analysis';
export { SCHEMAS, API_VERSION, KINDS } from './schemas';
