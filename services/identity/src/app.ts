import { createServiceApp, type AppOptions, type HttpApp } from '@faena/platform';
import { BASE_PATH, SERVICE } from './constants.ts';
import type { IdentityDeps } from './deps.ts';
import { authRoutes } from './routes/auth.ts';
import { branchRoutes } from './routes/branches.ts';
import { directoryRoutes } from './routes/directory.ts';
import {
  passwordResetFromEnv,
  passwordResetRoutes,
  type PasswordResetOptions,
} from './routes/password-reset.ts';
import { planRoutes } from './routes/plans.ts';
import { roleRoutes } from './routes/roles.ts';
import { tenantRoutes } from './routes/tenants.ts';
import { userRoutes } from './routes/users.ts';

/** The identity HTTP API; main.ts and the tests wire `deps` differently. */
export function createApp(
  deps: IdentityDeps,
  options: AppOptions & {
    /** How reset links are mailed (default: NOTIFICATIONS_URL, NOTIFICATIONS_SERVICE_TOKEN, PASSWORD_RESET_URL). */
    passwordReset?: PasswordResetOptions;
  } = {},
): HttpApp {
  const { passwordReset, ...appOptions } = options;
  return createServiceApp({
    service: SERVICE,
    basePath: BASE_PATH,
    deps,
    options: appOptions,
    routes: [
      ...authRoutes(deps),
      ...passwordResetRoutes(deps, passwordReset ?? passwordResetFromEnv()),
      ...tenantRoutes(deps),
      ...planRoutes(deps),
      ...directoryRoutes(deps),
      ...branchRoutes(deps),
      ...userRoutes(deps),
      ...roleRoutes(deps),
    ],
  });
}
