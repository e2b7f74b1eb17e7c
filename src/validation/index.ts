export { createValidator, findSchemaDir, type SchemaName, type Validator } from './validator';
export { listProblems } from './list-problems';
