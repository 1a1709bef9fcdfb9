// H1p peer (c): NestJS + passport-jwt + TypeORM, written the way the NestJS docs write it (the
// decorators applied by hand: this file runs as plain JavaScript, no build). One worker per core
// (node:cluster), GET /orders/:id: JwtAuthGuard (passport-jwt, ES256, identity's public key), a
// permission guard reading the token's roles, TypeORM findOne by id and tenant, request log at info.
// Env: PORT, DATABASE_URL, BENCH_POOL, BENCH_WORKERS, JWT_PUBLIC_KEY.
'use strict';
require('reflect-metadata');
const cluster = require('node:cluster');
const {
  Controller,
  Get,
  Param,
  Req,
  UseGuards,
  Module,
  Injectable,
  Logger,
  NotFoundException,
  ForbiddenException,
} = require('@nestjs/common');
const { NestFactory, Reflector } = require('@nestjs/core');
const { PassportModule, PassportStrategy, AuthGuard } = require('@nestjs/passport');
const { TypeOrmModule, getRepositoryToken } = require('@nestjs/typeorm');
const { EntitySchema } = require('typeorm');
const { Strategy, ExtractJwt } = require('passport-jwt');

const workers = Number(process.env.BENCH_WORKERS ?? 2);
if (cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('exit', () => process.exit(1));
  process.once('SIGTERM', () => {
    cluster.removeAllListeners('exit');
    for (const w of Object.values(cluster.workers)) w.kill();
    process.exit(0);
  });
  return;
}

const Order = new EntitySchema({
  name: 'Order',
  schema: 'bench',
  tableName: 'orders',
  columns: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'uuid', name: 'tenant_id' },
    userId: { type: 'uuid', name: 'user_id' },
    number: { type: 'int' },
    status: { type: 'varchar' },
    total: { type: 'bigint' },
    currency: { type: 'char' },
    createdAt: { type: 'timestamptz', name: 'created_at' },
  },
});

const ROLE_PERMISSIONS = { owner: ['orders.read'] };

class JwtStrategy extends PassportStrategy(Strategy) {
  constructor() {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: process.env.JWT_PUBLIC_KEY,
      algorithms: ['ES256'],
      issuer: 'faena-identity',
      audience: 'faena',
    });
  }
  validate(payload) {
    return { userId: payload.sub, tenantId: payload.tid, roles: payload.roles };
  }
}
Reflect.decorate([Injectable()], JwtStrategy);

class PermissionGuard {
  canActivate(context) {
    const user = context.switchToHttp().getRequest().user;
    if (!user.roles.some((r) => ROLE_PERMISSIONS[r]?.includes('orders.read'))) throw new ForbiddenException();
    return true;
  }
}
Reflect.decorate([Injectable()], PermissionGuard);

class OrdersController {
  constructor(orders) {
    this.orders = orders;
  }
  async findOne(id, req) {
    const order = await this.orders.findOne({ where: { id, tenantId: req.user.tenantId } });
    if (!order) throw new NotFoundException();
    return { success: true, data: order };
  }
}
const findOne = Object.getOwnPropertyDescriptor(OrdersController.prototype, 'findOne');
Reflect.decorate(
  [Get(':id'), UseGuards(AuthGuard('jwt'), PermissionGuard)],
  OrdersController.prototype,
  'findOne',
  findOne,
);
Param('id')(OrdersController.prototype, 'findOne', 0);
Req()(OrdersController.prototype, 'findOne', 1);
require('@nestjs/common').Inject(getRepositoryToken(Order))(OrdersController, undefined, 0);
Reflect.decorate([Controller('orders')], OrdersController);

class AppModule {}
Reflect.decorate(
  [
    Module({
      imports: [
        PassportModule,
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: process.env.DATABASE_URL,
          entities: [Order],
          synchronize: false,
          extra: { max: Number(process.env.BENCH_POOL ?? 8) },
        }),
        TypeOrmModule.forFeature([Order]),
      ],
      controllers: [OrdersController],
      providers: [JwtStrategy, PermissionGuard, Reflector],
    }),
  ],
  AppModule,
);

(async () => {
  const app = await NestFactory.create(AppModule, { logger: ['log', 'warn', 'error'] });
  const log = new Logger('HTTP');
  // One line per request at info (Nest's `log` level), as a production Nest service would write.
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () =>
      log.log(
        `${req.method} ${req.originalUrl} ${res.statusCode} ${Number(process.hrtime.bigint() - started) / 1e6}ms`,
      ),
    );
    next();
  });
  await app.listen(Number(process.env.PORT), '127.0.0.1');
})();
