import { EngineError } from './engine-error';
import type { EncryptionFormat } from './options/fs-options';
import { isCompression, type Compression } from './pipeline/compressors';

/**
 * The `metadata` file of one backup (spec C.9). The stock agent reads engine_name, compression
 * and encryption; the other keys are ours, and it ignores them.
 */
export interface StoredMetadata {
  engine_name: 'tar';
  compression: Compression;
  encryption: boolean;
  /** Absent in backups of the stock agent: then the stock format, openssl. */
  encryption_format?: EncryptionFormat;
  level?: number;
  /** Size and sha256 of the stored `data` file, checked on restore. */
  data_size?: number;
  data_sha256?: string;
}

/** One line, spaced like Python's json.dumps, as the stock agent writes it. */
export function formatStoredMetadata(meta: StoredMetadata): string {
  return `{${Object.entries(meta).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')}}`;
}

export function parseStoredMetadata(text: string, where: string): StoredMetadata {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new EngineError(`the backup metadata ${where} is not JSON`);
  }
  const meta = doc as Partial<StoredMetadata> & Record<string, unknown>;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new EngineError(`the backup metadata ${where} is not a JSON object`);
  if (meta.engine_name !== undefined && meta.engine_name !== 'tar') {
    throw new EngineError(`the backup ${where} was made by the ${String(meta.engine_name)} engine; this agent restores tar backups`);
  }
  const compression = meta.compression ?? 'gzip';
  if (typeof compression !== 'string' || !isCompression(compression)) {
    throw new EngineError(`the backup ${where} uses compression ${JSON.stringify(compression)}, which this agent cannot read`);
  }
  const format = meta.encryption_format ?? 'openssl';
  if (format !== 'openssl' && format !== 'sealed') throw new EngineError(`the backup ${where} uses an unknown encryption format ${JSON.stringify(format)}`);
  return {
    engine_name: 'tar',
    compression,
    encryption: meta.encryption === true,
    encryption_format: format,
    data_size: typeof meta.data_size === 'number' ? meta.data_size : undefined,
    data_sha256: typeof meta.data_sha256 === 'string' ? meta.data_sha256 : undefined,
  };
}
