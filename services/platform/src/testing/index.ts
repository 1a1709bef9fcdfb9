/** Test helpers: real infrastructure only (the local stack started by `make test`). */
export * from './env.ts';
export * from './database.ts';
export * from './temporal.ts';
export * from './logs.ts';
export * from './process.ts';
export * from './scratch-postgres.ts';
export * from './eventually.ts';
export * from './images.ts';
