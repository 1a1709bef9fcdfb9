/**
 * The demo businesses and users `make dev` seeds (seed.ts), side-effect free so tests and the
 * README walkthrough can name them. Every demo user's password is DEMO_PASSWORD.
 */
import type { Address } from './domain/entities.ts';
import { SYSTEM_ROLES } from './domain/system-roles.ts';

export const DEMO_PASSWORD = 'faena-demo-2026';

export const DEMO_TENANTS = [
  {
    slug: 'faena',
    name: 'Faena (operators)',
    kind: 'platform',
    currency: 'USD',
    locale: 'en',
    timeZone: 'UTC',
  },
  {
    slug: 'zentro-gym',
    name: 'Zentro Gym',
    kind: 'gym',
    currency: 'ARS',
    locale: 'es-AR',
    timeZone: 'America/Argentina/Buenos_Aires',
  },
  {
    slug: 'fastops-bistro',
    name: 'FastOps Bistro',
    kind: 'restaurant',
    currency: 'MXN',
    locale: 'es-MX',
    timeZone: 'America/Mexico_City',
    plan: 'pro',
  },
  {
    slug: 'cafe-andino',
    name: 'Café Andino',
    kind: 'cafe',
    currency: 'COP',
    locale: 'es-CO',
    timeZone: 'America/Bogota',
    // A café in its trial of the basic plan: GET /tenant/plan shows its limits and usage.
    plan: 'basic',
  },
  {
    slug: 'conectar',
    name: 'Conectar Profesionales',
    kind: 'marketplace',
    currency: 'CLP',
    locale: 'es-CL',
    timeZone: 'America/Santiago',
  },
] as const;

export type DemoSlug = (typeof DEMO_TENANTS)[number]['slug'];

/**
 * Branches a demo business starts with: the gym's demo (services/gym/src/seed.ts) prices its plans
 * and schedules its classes in them; the POS demo (services/pos/src/seed.ts) prices the bistro's and
 * the café's menus in theirs. The other businesses start without any (the README walks an owner
 * through opening them).
 */
export const DEMO_BRANCHES: Partial<
  Record<DemoSlug, Array<{ name: string; timeZone: string; address: Address }>>
> = {
  'zentro-gym': [
    {
      name: 'Palermo',
      timeZone: 'America/Argentina/Buenos_Aires',
      address: { line1: 'Av. Santa Fe 3850', city: 'Buenos Aires', postalCode: 'C1425', country: 'AR' },
    },
    {
      name: 'Belgrano',
      timeZone: 'America/Argentina/Buenos_Aires',
      address: { line1: 'Av. Cabildo 2040', city: 'Buenos Aires', postalCode: 'C1428', country: 'AR' },
    },
  ],
  // The POS demo (services/pos/src/seed.ts) prices its menu and lays out its floor in these.
  'fastops-bistro': [
    {
      name: 'Roma Norte',
      timeZone: 'America/Mexico_City',
      address: { line1: 'Calle Orizaba 101', city: 'Ciudad de México', postalCode: '06700', country: 'MX' },
    },
  ],
  'cafe-andino': [
    {
      name: 'Chapinero',
      timeZone: 'America/Bogota',
      address: { line1: 'Carrera 7 # 60-20', city: 'Bogotá', postalCode: '110231', country: 'CO' },
    },
  ],
};

/**
 * Demo users beyond the one per system role, `<local>@<slug>.demo` with one role, tenant-wide unless
 * `branch` names one of the business's DEMO_BRANCHES: the gym's other two trainers (three teach its
 * classes) and the bistro's Roma Norte cashier (the POS demo's open cash session is theirs).
 */
export const DEMO_EXTRA_USERS: Partial<
  Record<DemoSlug, Array<{ local: string; name: string; role: string; branch?: string }>>
> = {
  'zentro-gym': [
    { local: 'trainer2', name: 'Lucía Benítez', role: 'trainer' },
    { local: 'trainer3', name: 'Martín Acosta', role: 'trainer' },
  ],
  'fastops-bistro': [{ local: 'cashier-roma', name: 'Ana Torres', role: 'cashier', branch: 'Roma Norte' }],
};

/** The operators' tenant has its owner only; every business has one user per system role. */
export const rolesOf = (kind: string) => (kind === 'platform' ? ['owner'] : SYSTEM_ROLES.map((r) => r.name));

/** `<role>@<slug>.demo`, e.g. cashier@fastops-bistro.demo */
export const demoEmail = (role: string, slug: string) => `${role}@${slug}.demo`;
