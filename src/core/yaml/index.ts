// The YAML room: one parse per document (the fast js-yaml path for the plain
// subset, the recovering `yaml` path for everything else), the positional tree
// it yields, and the ways through that tree. Other rooms import from here;
// files inside this folder import each other directly, never this index.
export * from './nodes';
export * from './parse';
export * from './locate';
