import type { HealthCheck } from '../http/app.ts';
import type { Orm } from './orm.ts';

/** `/health/ready` check: `select 1` through the pool. */
export function dbHealthCheck(orm: Orm): HealthCheck {
  return {
    name: 'postgres',
    check: async () => {
      await orm.em.fork().getConnection().execute('select 1');
    },
  };
}
