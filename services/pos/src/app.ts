import { createServiceApp, type AppOptions, type HttpApp } from '@faena/platform';
import { BASE_PATH, SERVICE } from './constants.ts';
import type { PosDeps } from './deps.ts';
import { inventoryRoutes } from './routes/inventory.ts';
import { kitchenRoutes } from './routes/kitchen.ts';
import { printingRoutes } from './routes/printing.ts';
import { floorRoutes } from './routes/floors.ts';
import { menuRoutes } from './routes/menu.ts';
import { recipeRoutes } from './routes/recipes.ts';
import { orderRoutes } from './routes/orders.ts';
import { orderPaymentRoutes } from './routes/order-payments.ts';
import { reportRoutes } from './routes/reports.ts';
import { closureRoutes } from './closure/routes.ts';

/** The POS HTTP API; main.ts and the tests wire `deps` differently. One spread per routes file. */
export function createApp(deps: PosDeps, options: AppOptions = {}): HttpApp {
  return createServiceApp({
    service: SERVICE,
    basePath: BASE_PATH,
    deps,
    options,
    routes: [
      ...menuRoutes(deps),
      ...recipeRoutes(deps),
      ...floorRoutes(deps),
      ...inventoryRoutes(deps),
      ...kitchenRoutes(deps),
      ...printingRoutes(deps),
      ...orderRoutes(deps),
      ...orderPaymentRoutes(deps),
      ...reportRoutes(deps),
      ...closureRoutes(deps),
    ],
  });
}
