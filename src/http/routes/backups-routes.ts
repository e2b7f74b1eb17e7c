import { collectionRoutes, type RouteDef } from './route';

/** Backup metadata: nothing beyond the common four (no PATCH or replace, as in the reference). */
export const backupsRoutes: RouteDef[] = collectionRoutes('backups', 'backup_id', 'Backup');
