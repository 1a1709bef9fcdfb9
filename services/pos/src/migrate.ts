/** `node services/pos/src/migrate.ts up | down | pending | create [name]` */
import Joi from 'joi';
import { databaseConfigSchema, loadConfigOrExit, migrateCli } from '@faena/platform';
import { createPosOrm } from './wiring.ts';

const config = loadConfigOrExit<{ DATABASE_URL: string; DATABASE_POOL_MAX: number }>(
  Joi.object(databaseConfigSchema),
);
process.exitCode = await migrateCli(() => createPosOrm(config));
