/** The notifications worker: `notify` on the notifications queue, and the webhook outbox dispatcher beside it. */
import { loadConfigOrExit, runWorker, errorMessage } from '@faena/platform';
import { createActivities } from './activities.ts';
import { notificationsWorkerConfigSchema, type NotificationsWorkerConfig } from './config.ts';
import { TASK_QUEUE } from './constants.ts';
import { createDispatcher, createNotificationsActivityDeps, createNotificationsOrm } from './wiring.ts';

const config = loadConfigOrExit<NotificationsWorkerConfig>(notificationsWorkerConfigSchema);
await runWorker({
  config,
  taskQueue: TASK_QUEUE,
  orm: createNotificationsOrm,
  redis: true,
  build: ({ orm, logger, redis }) => {
    const notifyDeps = createNotificationsActivityDeps(config, { orm, logger, redis });
    const dispatcher = createDispatcher(config, { orm, logger });
    return {
      activities: createActivities(notifyDeps),
      // Due webhook deliveries, until SIGTERM: at once while some were due, else every WEBHOOK_POLL_MS.
      background: async (signal) => {
        while (!signal.aborted) {
          try {
            if ((await dispatcher.runDue(new Date())).attempted) continue;
          } catch (err) {
            logger.error('webhook dispatch failed', { error: errorMessage(err) });
          }
          await new Promise((resolve) => setTimeout(resolve, config.WEBHOOK_POLL_MS));
        }
      },
      closers: [{ name: 'email', close: () => Promise.resolve(notifyDeps.close()) }],
    };
  },
});
