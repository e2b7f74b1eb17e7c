import { collectionRoutes, type RouteDef } from './route';

/** Clients are addressed by client_id; nothing beyond the common four. */
export const clientsRoutes: RouteDef[] = collectionRoutes('clients', 'client_id', 'Client');
