// Which store the services are built over: PostgreSQL when ROUTEOPS_DATABASE_URL is set (several
// replicas, src/app/pg-services.ts), else the SQLite file ROUTEOPS_DB (services.ts).
import { createServices, type ServiceOptions, type Services } from './services.js';

export async function openServices(opts: ServiceOptions & { databaseUrl?: string | undefined }): Promise<Services> {
  if (!opts.databaseUrl) return createServices(opts);
  // Loaded only when asked for: a SQLite install never loads the PostgreSQL client.
  const { createPostgresServices } = await import('./pg-services.js');
  return createPostgresServices({ ...opts, databaseUrl: opts.databaseUrl });
}
