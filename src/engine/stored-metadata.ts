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
  /**
   * Chain authentication of encrypted backups (see crypto/chain-auth.ts): the chain's random
   * salt (level 0 only), this level's MAC, and the digests the MAC covers beside the values
   * above. Hex strings.
   */
  chain_salt?: string;
  chain_mac?: string;
  sealed_header_sha256?: string;
  engine_metadata_sha256?: string;
}

const HEX_FIELDS = { data_sha256: 64, chain_salt: 32, chain_mac: 64, sealed_header_sha256: 64, engine_metadata_sha256: 64 } as const;

/** A hex field of the given length, absent, or an error naming it (a bad one is never ignored). */
function hexField(meta: Record<string, unknown>, key: keyof typeof HEX_FIELDS, where: string): string | undefined {
  const value = meta[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !new RegExp(`^[0-9a-f]{${HEX_FIELDS[key]}}$`).test(value)) {
    throw new EngineError(`the backup metadata ${where} has a malformed ${key}`);
  }
  return value;
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
  const size = meta.data_size;
  if (size !== undefined && !(typeof size === 'number' && Number.isSafeInteger(size) && size >= 0)) {
    throw new EngineError(`the backup metadata ${where} has a malformed data_size`);
  }
  const parsed: StoredMetadata = {
    engine_name: 'tar',
    compression,
    encryption: meta.encryption === true,
    encryption_format: format,
    data_size: size,
    data_sha256: hexField(meta, 'data_sha256', where),
  };
  for (const key of ['chain_salt', 'chain_mac', 'sealed_header_sha256', 'engine_metadata_sha256'] as const) {
    const value = hexField(meta, key, where);
    if (value !== undefined) parsed[key] = value;
  }
  return parsed;
}
