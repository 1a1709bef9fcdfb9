/**
 * The gym's demo (`make dev`, src/seed.ts) for identity's demo business `zentro-gym`: trainers,
 * members, plans with their prices per branch, the weekly classes and the store. Side-effect free,
 * so the seed's test and the README can name what it creates. Branches and staff are identity's
 * (services/identity/src/demo.ts: DEMO_BRANCHES, DEMO_EXTRA_USERS); money in ARS minor units.
 */
import type { AvailabilityWindow } from './domain/trainers.ts';

export const DEMO_GYM = 'zentro-gym';
export const DEMO_ZONE = 'America/Argentina/Buenos_Aires';
export const DEMO_CURRENCY = 'ARS';

/** Identity's demo branches of zentro-gym, by name. */
export const BRANCHES = ['Palermo', 'Belgrano'] as const;
export type DemoBranch = (typeof BRANCHES)[number];

/** The trainers: identity users `<local>@zentro-gym.demo` (role trainer) with a gym profile. */
export const TRAINERS: Array<{
  local: string;
  displayName: string;
  branch: DemoBranch;
  specialties: string[];
  bio: string;
  availability: AvailabilityWindow[];
}> = [
  {
    local: 'trainer',
    displayName: 'Diego Ramírez',
    branch: 'Palermo',
    specialties: ['funcional', 'yoga'],
    bio: 'Entrenamiento funcional y yoga para todos los niveles.',
    availability: [
      { weekday: 1, startTime: '06:00', endTime: '12:00' },
      { weekday: 2, startTime: '17:00', endTime: '22:00' },
      { weekday: 6, startTime: '08:00', endTime: '14:00' },
    ],
  },
  {
    local: 'trainer2',
    displayName: 'Lucía Benítez',
    branch: 'Belgrano',
    specialties: ['pilates', 'yoga'],
    bio: 'Pilates y yoga; rehabilitación postural.',
    availability: [
      { weekday: 2, startTime: '07:00', endTime: '12:00' },
      { weekday: 3, startTime: '17:00', endTime: '22:00' },
    ],
  },
  {
    local: 'trainer3',
    displayName: 'Martín Acosta',
    branch: 'Palermo',
    specialties: ['spinning', 'crossfit'],
    bio: 'Spinning y alta intensidad.',
    availability: [
      { weekday: 4, startTime: '18:00', endTime: '22:00' },
      { weekday: 5, startTime: '17:00', endTime: '21:00' },
    ],
  },
];

export const CLASS_TYPES = [
  { name: 'Funcional', description: 'Circuitos de fuerza y resistencia' },
  { name: 'Yoga', description: 'Hatha y vinyasa' },
  { name: 'Spinning', description: 'Ciclismo indoor' },
  { name: 'Pilates', description: 'Pilates mat' },
] as const;
type ClassTypeName = (typeof CLASS_TYPES)[number]['name'];

/** Monthly, yearly and a 10-class pack; the price of each in each branch (ARS minor units). */
export const PLANS: Array<{
  name: string;
  kind: 'monthly' | 'yearly' | 'class_pack';
  sessions?: number;
  validityDays?: number;
  freeze: { maxDaysPerYear: number; minDays: number };
  prices: Record<DemoBranch, number>;
}> = [
  {
    name: 'Mensual',
    kind: 'monthly',
    freeze: { maxDaysPerYear: 30, minDays: 7 },
    prices: { Palermo: 4_500_000, Belgrano: 4_200_000 },
  },
  {
    name: 'Anual',
    kind: 'yearly',
    freeze: { maxDaysPerYear: 60, minDays: 7 },
    prices: { Palermo: 45_000_000, Belgrano: 42_000_000 },
  },
  {
    name: 'Pack 10 clases',
    kind: 'class_pack',
    sessions: 10,
    validityDays: 60,
    freeze: { maxDaysPerYear: 0, minDays: 1 },
    prices: { Palermo: 3_000_000, Belgrano: 2_800_000 },
  },
];

/** The eight weekly classes (each trainer within their availability, never two at once). */
export const CLASSES: Array<{
  branch: DemoBranch;
  type: ClassTypeName;
  trainer: string;
  room: string;
  weekday: number;
  startTime: string;
  durationMinutes: number;
  capacity: number;
}> = [
  {
    branch: 'Palermo',
    type: 'Funcional',
    trainer: 'trainer',
    room: 'Sala 1',
    weekday: 1,
    startTime: '07:00',
    durationMinutes: 60,
    capacity: 20,
  },
  {
    branch: 'Palermo',
    type: 'Yoga',
    trainer: 'trainer',
    room: 'Sala 2',
    weekday: 2,
    startTime: '19:00',
    durationMinutes: 60,
    capacity: 15,
  },
  {
    branch: 'Palermo',
    type: 'Funcional',
    trainer: 'trainer',
    room: 'Sala 1',
    weekday: 6,
    startTime: '10:00',
    durationMinutes: 60,
    capacity: 20,
  },
  {
    branch: 'Palermo',
    type: 'Spinning',
    trainer: 'trainer3',
    room: 'Bicis',
    weekday: 5,
    startTime: '18:00',
    durationMinutes: 45,
    capacity: 12,
  },
  {
    branch: 'Belgrano',
    type: 'Pilates',
    trainer: 'trainer2',
    room: 'Estudio',
    weekday: 2,
    startTime: '08:00',
    durationMinutes: 50,
    capacity: 10,
  },
  {
    branch: 'Belgrano',
    type: 'Yoga',
    trainer: 'trainer2',
    room: 'Estudio',
    weekday: 3,
    startTime: '19:30',
    durationMinutes: 60,
    capacity: 15,
  },
  {
    branch: 'Belgrano',
    type: 'Spinning',
    trainer: 'trainer3',
    room: 'Bicis',
    weekday: 4,
    startTime: '19:00',
    durationMinutes: 45,
    capacity: 12,
  },
  {
    branch: 'Belgrano',
    type: 'Funcional',
    trainer: 'trainer',
    room: 'Sala 1',
    weekday: 1,
    startTime: '09:00',
    durationMinutes: 60,
    capacity: 20,
  },
];

/**
 * Ten members. The first logs in as `client@zentro-gym.demo` (role client); `plan` is the membership
 * each holds from the day the seed runs (none: a member without one); `books` the classes (index
 * in CLASSES) whose next session they are booked into.
 */
export const MEMBERS: Array<{
  firstName: string;
  lastName: string;
  branch: DemoBranch;
  /** The identity user who logs in as this member (`<local>@zentro-gym.demo`). */
  user?: string;
  document: string;
  phone: string;
  plan?: string;
  books?: number[];
}> = [
  {
    firstName: 'Sofía',
    lastName: 'Romero',
    branch: 'Palermo',
    user: 'client',
    document: '38111222',
    phone: '+54 11 5555-0101',
    plan: 'Mensual',
    books: [1, 3],
  },
  {
    firstName: 'Mateo',
    lastName: 'González',
    branch: 'Palermo',
    document: '36222333',
    phone: '+54 11 5555-0102',
    plan: 'Anual',
    books: [0, 3],
  },
  {
    firstName: 'Valentina',
    lastName: 'López',
    branch: 'Palermo',
    document: '40333444',
    phone: '+54 11 5555-0103',
    plan: 'Pack 10 clases',
    books: [1],
  },
  {
    firstName: 'Santiago',
    lastName: 'Fernández',
    branch: 'Palermo',
    document: '35444555',
    phone: '+54 11 5555-0104',
    plan: 'Mensual',
    books: [2],
  },
  {
    firstName: 'Camila',
    lastName: 'Martínez',
    branch: 'Palermo',
    document: '41555666',
    phone: '+54 11 5555-0105',
    plan: 'Mensual',
  },
  {
    firstName: 'Benjamín',
    lastName: 'Pérez',
    branch: 'Belgrano',
    document: '37666777',
    phone: '+54 11 5555-0106',
    plan: 'Anual',
    books: [4, 6],
  },
  {
    firstName: 'Martina',
    lastName: 'Sánchez',
    branch: 'Belgrano',
    document: '39777888',
    phone: '+54 11 5555-0107',
    plan: 'Pack 10 clases',
    books: [5],
  },
  {
    firstName: 'Joaquín',
    lastName: 'Díaz',
    branch: 'Belgrano',
    document: '34888999',
    phone: '+54 11 5555-0108',
    plan: 'Mensual',
    books: [7],
  },
  {
    firstName: 'Lucía',
    lastName: 'Torres',
    branch: 'Belgrano',
    document: '42999000',
    phone: '+54 11 5555-0109',
  },
  {
    firstName: 'Tomás',
    lastName: 'Ruiz',
    branch: 'Belgrano',
    document: '33000111',
    phone: '+54 11 5555-0110',
  },
];

/** Five store products, with the units each branch received. */
export const PRODUCTS: Array<{
  sku: string;
  name: string;
  category: string;
  description: string;
  price: number;
  lowStockThreshold: number;
  stock: Record<DemoBranch, number>;
}> = [
  {
    sku: 'AGUA-500',
    name: 'Agua mineral 500 ml',
    category: 'bebidas',
    description: 'Sin gas',
    price: 120_000,
    lowStockThreshold: 10,
    stock: { Palermo: 48, Belgrano: 36 },
  },
  {
    sku: 'ISO-750',
    name: 'Bebida isotónica 750 ml',
    category: 'bebidas',
    description: 'Sabor naranja',
    price: 250_000,
    lowStockThreshold: 6,
    stock: { Palermo: 24, Belgrano: 18 },
  },
  {
    sku: 'PROT-BAR',
    name: 'Barra proteica',
    category: 'snacks',
    description: '20 g de proteína',
    price: 180_000,
    lowStockThreshold: 8,
    stock: { Palermo: 30, Belgrano: 20 },
  },
  {
    sku: 'WHEY-1KG',
    name: 'Proteína whey 1 kg',
    category: 'suplementos',
    description: 'Sabor vainilla',
    price: 3_500_000,
    lowStockThreshold: 2,
    stock: { Palermo: 6, Belgrano: 4 },
  },
  {
    sku: 'TOALLA-ZG',
    name: 'Toalla Zentro',
    category: 'indumentaria',
    description: 'Microfibra 40 × 80 cm',
    price: 900_000,
    lowStockThreshold: 3,
    stock: { Palermo: 12, Belgrano: 10 },
  },
];

/** `<local>@zentro-gym.demo` (identity's demoEmail). */
export const demoUserEmail = (local: string) => `${local}@${DEMO_GYM}.demo`;
/** The members' own email addresses (not logins, except the first's). */
export const memberEmail = (m: { firstName: string; lastName: string; user?: string }) =>
  m.user
    ? demoUserEmail(m.user)
    : `${m.firstName}.${m.lastName}`
        .normalize('NFD')
        .replace(/[\u0300-\u036f]/g, '')
        .toLowerCase() + '@example.com';
