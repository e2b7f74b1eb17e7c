export { createValidator, findSchemaDir, type KeystoneSchemaName, type RunSchemaName, type SchemaName, type Validator } from './validator';
export { FreezerActionOptions } from './freezer-action-options';
export { closestName } from '../closest-name';
