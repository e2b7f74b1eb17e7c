/** Pure logic of on-storage backup chains (spec C.6-C.9): no I/O, works on listings. */
export type { Tree } from './layout';
export {
  hbnOf, chainsRootPath, chainPath, backupPath, metadataPath, dataPath, engineMetadataPath,
  parseChainDir, parseBackupDir,
} from './layout';
export type { Backup, Chain } from './chains';
export { chainsOf, latestChain, backupsAtLevel, contiguousTop } from './chains';
export type { OptionValue } from './coerce-option';
export { numericOption, flagOption } from './coerce-option';
export type { LevelOptions, LevelChoice } from './select-level';
export { nextLevel } from './select-level';
export { NoBackupError } from './no-backup-error';
export { restoreChain } from './select-restore';
export { parseFreezerDate } from './freezer-date';
export type { RetentionPlan, CutoffOptions } from './plan-retention';
export { NO_CUTOFF_MESSAGE, planRetention, cutoffOf } from './plan-retention';
