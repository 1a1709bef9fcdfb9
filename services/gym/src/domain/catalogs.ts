/**
 * The starter catalogs every gym business gets: 30 common exercises and 30 common ingredients, each
 * with an English name and its Spanish alias. They are seeded the first time the business's catalog
 * is used (`ensureCatalog`): a `catalog_seeds` row per business and catalog says it happened, so
 * seeding again (concurrently too) adds nothing, and a seeded row the business archived stays archived.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { uuidv7 } from 'uuidv7';
import type { EQUIPMENT, MUSCLE_GROUPS } from './training-entities.ts';

type Muscle = (typeof MUSCLE_GROUPS)[number];
type Equipment = (typeof EQUIPMENT)[number];

/** [seed key, English name, Spanish name, muscle groups, equipment] */
export const STARTER_EXERCISES: ReadonlyArray<[string, string, string, Muscle[], Equipment]> = [
  ['back-squat', 'Back squat', 'Sentadilla trasera', ['quadriceps', 'glutes', 'hamstrings'], 'barbell'],
  ['front-squat', 'Front squat', 'Sentadilla frontal', ['quadriceps', 'glutes', 'core'], 'barbell'],
  ['goblet-squat', 'Goblet squat', 'Sentadilla goblet', ['quadriceps', 'glutes'], 'kettlebell'],
  ['deadlift', 'Deadlift', 'Peso muerto', ['hamstrings', 'glutes', 'back'], 'barbell'],
  ['romanian-deadlift', 'Romanian deadlift', 'Peso muerto rumano', ['hamstrings', 'glutes'], 'barbell'],
  ['hip-thrust', 'Hip thrust', 'Empuje de cadera', ['glutes', 'hamstrings'], 'barbell'],
  ['walking-lunge', 'Walking lunge', 'Zancada caminando', ['quadriceps', 'glutes'], 'dumbbell'],
  ['leg-press', 'Leg press', 'Prensa de piernas', ['quadriceps', 'glutes'], 'machine'],
  ['leg-extension', 'Leg extension', 'Extensión de cuádriceps', ['quadriceps'], 'machine'],
  ['leg-curl', 'Lying leg curl', 'Curl femoral acostado', ['hamstrings'], 'machine'],
  ['calf-raise', 'Standing calf raise', 'Elevación de talones de pie', ['calves'], 'machine'],
  ['bench-press', 'Bench press', 'Press de banca', ['chest', 'triceps', 'shoulders'], 'barbell'],
  [
    'incline-db-press',
    'Incline dumbbell press',
    'Press inclinado con mancuernas',
    ['chest', 'shoulders'],
    'dumbbell',
  ],
  ['push-up', 'Push-up', 'Flexiones de brazos', ['chest', 'triceps', 'core'], 'bodyweight'],
  ['chest-fly', 'Cable chest fly', 'Aperturas en polea', ['chest'], 'cable'],
  ['dip', 'Parallel bar dip', 'Fondos en paralelas', ['chest', 'triceps'], 'bodyweight'],
  ['overhead-press', 'Overhead press', 'Press militar', ['shoulders', 'triceps'], 'barbell'],
  ['lateral-raise', 'Dumbbell lateral raise', 'Elevaciones laterales', ['shoulders'], 'dumbbell'],
  ['face-pull', 'Face pull', 'Face pull en polea', ['shoulders', 'back'], 'cable'],
  ['pull-up', 'Pull-up', 'Dominadas', ['back', 'biceps'], 'bodyweight'],
  ['lat-pulldown', 'Lat pulldown', 'Jalón al pecho', ['back', 'biceps'], 'cable'],
  ['barbell-row', 'Barbell row', 'Remo con barra', ['back', 'biceps'], 'barbell'],
  ['seated-cable-row', 'Seated cable row', 'Remo sentado en polea', ['back', 'biceps'], 'cable'],
  ['db-row', 'One-arm dumbbell row', 'Remo con mancuerna a una mano', ['back', 'biceps'], 'dumbbell'],
  [
    'biceps-curl',
    'Dumbbell biceps curl',
    'Curl de bíceps con mancuernas',
    ['biceps', 'forearms'],
    'dumbbell',
  ],
  ['triceps-pushdown', 'Triceps pushdown', 'Extensión de tríceps en polea', ['triceps'], 'cable'],
  ['plank', 'Plank', 'Plancha abdominal', ['core'], 'bodyweight'],
  ['hanging-leg-raise', 'Hanging leg raise', 'Elevación de piernas colgado', ['core'], 'bodyweight'],
  [
    'kettlebell-swing',
    'Kettlebell swing',
    'Balanceo con pesa rusa',
    ['glutes', 'hamstrings', 'full_body'],
    'kettlebell',
  ],
  ['rowing-machine', 'Rowing machine', 'Remo ergómetro', ['cardio', 'full_body'], 'cardio_machine'],
  ['treadmill-run', 'Treadmill run', 'Carrera en cinta', ['cardio'], 'cardio_machine'],
];

/** [seed key, English name, Spanish name, kcal, protein mg, carbs mg, fat mg] — per 100 g. */
export const STARTER_INGREDIENTS: ReadonlyArray<[string, string, string, number, number, number, number]> = [
  ['chicken-breast', 'Chicken breast, cooked', 'Pechuga de pollo cocida', 165, 31_000, 0, 3_600],
  ['beef-lean', 'Lean beef, cooked', 'Carne de vacuno magra cocida', 217, 26_000, 0, 12_000],
  ['salmon', 'Salmon, cooked', 'Salmón cocido', 206, 22_000, 0, 12_000],
  ['tuna-canned', 'Tuna in water, canned', 'Atún al agua en lata', 116, 26_000, 0, 800],
  ['egg', 'Whole egg', 'Huevo entero', 143, 12_600, 700, 9_500],
  ['egg-white', 'Egg white', 'Clara de huevo', 52, 10_900, 700, 200],
  ['greek-yogurt', 'Greek yogurt, plain', 'Yogur griego natural', 97, 9_000, 3_900, 5_000],
  ['milk-skim', 'Skim milk', 'Leche descremada', 34, 3_400, 5_000, 100],
  ['cottage-cheese', 'Cottage cheese', 'Queso cottage', 98, 11_100, 3_400, 4_300],
  ['whey-protein', 'Whey protein powder', 'Proteína de suero en polvo', 400, 80_000, 8_000, 6_000],
  ['oats', 'Rolled oats', 'Avena en hojuelas', 389, 16_900, 66_300, 6_900],
  ['white-rice', 'White rice, cooked', 'Arroz blanco cocido', 130, 2_700, 28_200, 300],
  ['brown-rice', 'Brown rice, cooked', 'Arroz integral cocido', 123, 2_700, 25_600, 1_000],
  ['pasta', 'Pasta, cooked', 'Pasta cocida', 158, 5_800, 30_900, 900],
  ['whole-wheat-bread', 'Whole wheat bread', 'Pan integral', 247, 13_000, 41_000, 3_400],
  ['potato', 'Potato, boiled', 'Papa cocida', 87, 1_900, 20_100, 100],
  ['sweet-potato', 'Sweet potato, baked', 'Camote al horno', 90, 2_000, 20_700, 200],
  ['quinoa', 'Quinoa, cooked', 'Quínoa cocida', 120, 4_400, 21_300, 1_900],
  ['lentils', 'Lentils, cooked', 'Lentejas cocidas', 116, 9_000, 20_100, 400],
  ['black-beans', 'Black beans, cooked', 'Porotos negros cocidos', 132, 8_900, 23_700, 500],
  ['banana', 'Banana', 'Plátano', 89, 1_100, 22_800, 300],
  ['apple', 'Apple', 'Manzana', 52, 300, 13_800, 200],
  ['orange', 'Orange', 'Naranja', 47, 900, 11_800, 100],
  ['broccoli', 'Broccoli', 'Brócoli', 34, 2_800, 6_600, 400],
  ['spinach', 'Spinach', 'Espinaca', 23, 2_900, 3_600, 400],
  ['tomato', 'Tomato', 'Tomate', 18, 900, 3_900, 200],
  ['avocado', 'Avocado', 'Palta', 160, 2_000, 8_500, 14_700],
  ['olive-oil', 'Olive oil', 'Aceite de oliva', 884, 0, 0, 100_000],
  ['almonds', 'Almonds', 'Almendras', 579, 21_200, 21_600, 49_900],
  ['peanut-butter', 'Peanut butter', 'Mantequilla de maní', 588, 25_000, 20_000, 50_000],
];

/**
 * Seeds `catalog` for the business once: the marker row and the starter rows commit together; a
 * concurrent first use waits on the marker's key and then finds it there.
 */
export async function ensureCatalog(
  em: EntityManager,
  tenantId: string,
  catalog: 'exercises' | 'ingredients',
): Promise<void> {
  const seeded = await em.execute<Array<{ tenant_id: string }>>(
    `select tenant_id from gym.catalog_seeds where tenant_id = ? and catalog = ?`,
    [tenantId, catalog],
  );
  if (seeded.length) return;
  await em.transactional(async (tx) => {
    const claimed = await tx.execute<Array<{ tenant_id: string }>>(
      `insert into gym.catalog_seeds (tenant_id, catalog, created_at) values (?, ?, now())
        on conflict do nothing returning tenant_id`,
      [tenantId, catalog],
    );
    if (!claimed.length) return;
    if (catalog === 'exercises')
      for (const [key, name, nameEs, muscles, equipment] of STARTER_EXERCISES)
        await tx.execute(
          `insert into gym.exercises (id, tenant_id, name, name_es, muscle_groups, equipment, seed_key, created_at, updated_at)
            values (?, ?, ?, ?, ?::text[], ?, ?, now(), now()) on conflict do nothing`,
          [uuidv7(), tenantId, name, nameEs, `{${muscles.join(',')}}`, equipment, key],
        );
    else
      for (const [key, name, nameEs, kcal, protein, carbs, fat] of STARTER_INGREDIENTS)
        await tx.execute(
          `insert into gym.ingredients (id, tenant_id, name, name_es, kcal_per100g, protein_mg_per100g,
            carbs_mg_per100g, fat_mg_per100g, seed_key, created_at, updated_at)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, now(), now()) on conflict do nothing`,
          [uuidv7(), tenantId, name, nameEs, kcal, protein, carbs, fat, key],
        );
  });
}
