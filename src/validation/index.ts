export { createValidator, findSchemaDir, type KeystoneSchemaName, type RunSchemaName, type SchemaName, type Validator } from './validator';
export { listProblems } from './list-problems';
export { FreezerActionOptions } from './freezer-action-options';
export { closestName } from '../closest-name';
