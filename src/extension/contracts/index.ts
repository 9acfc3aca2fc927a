// Contract tests in the editor (being split into the pieces of this folder).
export * from './run';
