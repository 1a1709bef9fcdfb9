/**
 * The demo businesses and users `make dev` seeds (seed.ts), side-effect free so tests and the
 * README walkthrough can name them. Every demo user's password is DEMO_PASSWORD.
 */
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
  },
  {
    slug: 'cafe-andino',
    name: 'Café Andino',
    kind: 'cafe',
    currency: 'COP',
    locale: 'es-CO',
    timeZone: 'America/Bogota',
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

/** The operators' tenant has its owner only; every business has one user per system role. */
export const rolesOf = (kind: string) => (kind === 'platform' ? ['owner'] : SYSTEM_ROLES.map((r) => r.name));

/** `<role>@<slug>.demo`, e.g. cashier@fastops-bistro.demo */
export const demoEmail = (role: string, slug: string) => `${role}@${slug}.demo`;
