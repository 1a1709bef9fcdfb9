import {
  createHttpApp,
  dbHealthCheck,
  metricsMiddleware,
  redisHealthCheck,
  requestContextMiddleware,
  type HttpApp,
} from '@faena/platform';
import type { IdentityDeps } from './deps.ts';
import { authRoutes } from './routes/auth.ts';
import { branchRoutes } from './routes/branches.ts';
import {
  passwordResetFromEnv,
  passwordResetRoutes,
  type PasswordResetOptions,
} from './routes/password-reset.ts';
import { roleRoutes } from './routes/roles.ts';
import { tenantRoutes } from './routes/tenants.ts';
import { userRoutes } from './routes/users.ts';

export const BASE_PATH = '/api/identity/v1';

/** The identity HTTP API; main.ts and the tests wire `deps` differently. */
export function createApp(
  deps: IdentityDeps,
  opts: {
    version?: string;
    corsOrigins?: string[];
    bodyLimit?: string;
    /** How reset links are mailed (default: NOTIFICATIONS_URL, NOTIFICATIONS_SERVICE_TOKEN, PASSWORD_RESET_URL). */
    passwordReset?: PasswordResetOptions;
  } = {},
): HttpApp {
  return createHttpApp({
    service: 'identity',
    version: opts.version,
    basePath: BASE_PATH,
    logger: deps.logger,
    corsOrigins: opts.corsOrigins,
    bodyLimit: opts.bodyLimit,
    middleware: [requestContextMiddleware(deps.orm)],
    metrics: metricsMiddleware(),
    health: [dbHealthCheck(deps.orm), redisHealthCheck(deps.redis)],
    routes: [
      ...authRoutes(deps),
      ...passwordResetRoutes(deps, opts.passwordReset ?? passwordResetFromEnv()),
      ...tenantRoutes(deps),
      ...branchRoutes(deps),
      ...userRoutes(deps),
      ...roleRoutes(deps),
    ],
  });
}
