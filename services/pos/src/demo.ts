/**
 * The POS demo for `make dev` (side-effect free: tests name it): identity's demo businesses
 * `fastops-bistro` (a bistro in Mexico City, MXN) and `cafe-andino` (a café in Bogotá, COP), whose
 * branches identity's seed creates (services/identity/src/demo.ts: DEMO_BRANCHES). Prices are minor
 * units of the business's currency (MXN and COP: 2 decimals, so 12500 is $125.00).
 */
export interface DemoOption {
  name: string;
  priceDelta?: number;
}
/** A recipe line: an inventory item (demo.ts `items`) and a decimal quantity in its base unit. */
export interface DemoRecipeLine {
  item: string;
  quantity: string;
}
export interface DemoProduct {
  name: string;
  description: string;
  price: number;
  variants?: DemoOption[];
  groups?: Array<{ name: string; minChoices: number; maxChoices: number; modifiers: DemoOption[] }>;
  /** Local windows (every weekday listed), read in the branch's zone. */
  windows?: Array<{ weekdays: number[]; startsAt: string; endsAt: string }>;
}
/**
 * An item's opening stock in the branch: one purchase of `quantity` (a decimal in the base unit) at
 * `unitCost` minor units per base unit, posted once (`DEMO_STOCK_REFERENCE`).
 */
export interface DemoStock {
  quantity: string;
  unitCost: number;
}
/** The cash drawer of the branch and the session open on it (payments owns both). */
export interface DemoCash {
  drawer: string;
  /** Minor units the session opens with. */
  openingFloat: number;
  /** The demo user (`<local>@<slug>.demo`, identity's DEMO_EXTRA_USERS) whose shift it is. */
  cashier: string;
}
export interface DemoMenu {
  slug: 'fastops-bistro' | 'cafe-andino';
  currency: string;
  /** The inventory items its recipes use (name, base unit) and the stock each starts with. */
  items: Array<{ name: string; baseUnit: 'kg' | 'g' | 'l' | 'ml' | 'unit'; stock?: DemoStock }>;
  /** Per product name, what one sale takes out of the inventory. */
  recipes: Record<string, DemoRecipeLine[]>;
  categories: Array<{ name: string; products: DemoProduct[] }>;
  floors: Array<{ name: string; tables: Array<{ name: string; seats: number }> }>;
  cash?: DemoCash;
  /** Kitchen stations and the categories each receives (the default takes the rest). */
  stations?: Array<{
    name: string;
    kind: 'printer' | 'screen' | 'both';
    printerAddress?: string;
    isDefault?: boolean;
    categories: string[];
  }>;
}

const WEEK = [1, 2, 3, 4, 5, 6, 7];
const doneness = {
  name: 'Término',
  minChoices: 1,
  maxChoices: 1,
  modifiers: [{ name: 'Rojo' }, { name: 'Término medio' }, { name: 'Tres cuartos' }, { name: 'Bien cocido' }],
};
const milk = {
  name: 'Leche',
  minChoices: 1,
  maxChoices: 1,
  modifiers: [{ name: 'Entera' }, { name: 'Deslactosada' }, { name: 'Avena', priceDelta: 150000 }],
};
const cafeSizes = [{ name: 'Sencillo' }, { name: 'Doble', priceDelta: 200000 }];

export const DEMO_MENUS: DemoMenu[] = [
  {
    slug: 'fastops-bistro',
    currency: 'MXN',
    items: [
      { name: 'Aguacate', baseUnit: 'kg', stock: { quantity: '10', unitCost: 6000 } },
      { name: 'Totopos', baseUnit: 'kg', stock: { quantity: '5', unitCost: 8000 } },
      { name: 'Tortilla de maíz', baseUnit: 'unit', stock: { quantity: '500', unitCost: 200 } },
      { name: 'Jitomate', baseUnit: 'kg', stock: { quantity: '8', unitCost: 3500 } },
      { name: 'Pescado blanco', baseUnit: 'kg', stock: { quantity: '6', unitCost: 22000 } },
      { name: 'Queso Oaxaca', baseUnit: 'kg', stock: { quantity: '5', unitCost: 16000 } },
      { name: 'Arrachera', baseUnit: 'kg', stock: { quantity: '8', unitCost: 38000 } },
      { name: 'Carne molida de res', baseUnit: 'kg', stock: { quantity: '6', unitCost: 18000 } },
      { name: 'Pan de hamburguesa', baseUnit: 'unit', stock: { quantity: '40', unitCost: 800 } },
      { name: 'Pollo', baseUnit: 'kg', stock: { quantity: '6', unitCost: 12000 } },
      { name: 'Carne al pastor', baseUnit: 'kg', stock: { quantity: '6', unitCost: 15000 } },
      { name: 'Huevo', baseUnit: 'unit', stock: { quantity: '180', unitCost: 350 } },
      { name: 'Leche', baseUnit: 'l', stock: { quantity: '20', unitCost: 2800 } },
      { name: 'Harina', baseUnit: 'kg', stock: { quantity: '10', unitCost: 2500 } },
      { name: 'Café molido', baseUnit: 'kg', stock: { quantity: '2', unitCost: 32000 } },
      { name: 'Refresco en lata', baseUnit: 'unit', stock: { quantity: '96', unitCost: 1400 } },
      { name: 'Tequila blanco', baseUnit: 'l', stock: { quantity: '6', unitCost: 45000 } },
      { name: 'Mezcal espadín', baseUnit: 'l', stock: { quantity: '4', unitCost: 60000 } },
      { name: 'Cerveza', baseUnit: 'l', stock: { quantity: '30', unitCost: 5500 } },
      { name: 'Limón', baseUnit: 'kg', stock: { quantity: '5', unitCost: 3000 } },
    ],
    recipes: {
      'Arrachera a la parrilla': [
        { item: 'Arrachera', quantity: '0.3' },
        { item: 'Aguacate', quantity: '0.05' },
      ],
      'Hamburguesa FastOps': [
        { item: 'Carne molida de res', quantity: '0.2' },
        { item: 'Pan de hamburguesa', quantity: '1' },
        { item: 'Queso Oaxaca', quantity: '0.03' },
      ],
      'Guacamole con totopos': [
        { item: 'Aguacate', quantity: '0.25' },
        { item: 'Totopos', quantity: '0.1' },
      ],
      'Sopa de tortilla': [
        { item: 'Tortilla de maíz', quantity: '3' },
        { item: 'Jitomate', quantity: '0.2' },
        { item: 'Queso Oaxaca', quantity: '0.03' },
      ],
      'Ceviche de pescado': [
        { item: 'Pescado blanco', quantity: '0.18' },
        { item: 'Limón', quantity: '0.1' },
      ],
      'Queso fundido': [
        { item: 'Queso Oaxaca', quantity: '0.2' },
        { item: 'Tortilla de maíz', quantity: '4' },
      ],
      'Enchiladas suizas': [
        { item: 'Pollo', quantity: '0.15' },
        { item: 'Tortilla de maíz', quantity: '3' },
        { item: 'Queso Oaxaca', quantity: '0.06' },
      ],
      'Pescado a la talla': [{ item: 'Pescado blanco', quantity: '0.35' }],
      'Tacos al pastor': [
        { item: 'Carne al pastor', quantity: '0.15' },
        { item: 'Tortilla de maíz', quantity: '5' },
      ],
      Chilaquiles: [
        { item: 'Totopos', quantity: '0.15' },
        { item: 'Huevo', quantity: '2' },
      ],
      'Flan napolitano': [
        { item: 'Huevo', quantity: '1' },
        { item: 'Leche', quantity: '0.12' },
      ],
      'Pastel de tres leches': [
        { item: 'Leche', quantity: '0.15' },
        { item: 'Harina', quantity: '0.05' },
        { item: 'Huevo', quantity: '1' },
      ],
      'Churros con chocolate': [
        { item: 'Harina', quantity: '0.1' },
        { item: 'Leche', quantity: '0.2' },
      ],
      'Agua fresca': [{ item: 'Limón', quantity: '0.02' }],
      Refresco: [{ item: 'Refresco en lata', quantity: '1' }],
      'Café de olla': [{ item: 'Café molido', quantity: '0.02' }],
      Margarita: [
        { item: 'Tequila blanco', quantity: '0.06' },
        { item: 'Limón', quantity: '0.05' },
      ],
      'Cerveza artesanal': [{ item: 'Cerveza', quantity: '0.355' }],
      Mezcal: [{ item: 'Mezcal espadín', quantity: '0.06' }],
      Michelada: [
        { item: 'Cerveza', quantity: '0.355' },
        { item: 'Limón', quantity: '0.03' },
      ],
    },
    categories: [
      {
        name: 'Entradas',
        products: [
          {
            name: 'Guacamole con totopos',
            description: 'Aguacate, cebolla, cilantro y chile serrano',
            price: 12500,
          },
          {
            name: 'Sopa de tortilla',
            description: 'Caldo de jitomate, aguacate, queso y chicharrón',
            price: 11000,
          },
          { name: 'Ceviche de pescado', description: 'Pescado del día en limón con mango', price: 16500 },
          {
            name: 'Queso fundido',
            description: 'Con chorizo o champiñones',
            price: 13500,
            variants: [{ name: 'Chorizo' }, { name: 'Champiñones' }],
          },
        ],
      },
      {
        name: 'Fondos',
        products: [
          {
            name: 'Arrachera a la parrilla',
            description: '300 g con cebollitas y guacamole',
            price: 32500,
            groups: [doneness],
          },
          {
            name: 'Hamburguesa FastOps',
            description: 'Res 200 g, queso cheddar, tocino y papas',
            price: 21500,
            groups: [
              doneness,
              {
                name: 'Extras',
                minChoices: 0,
                maxChoices: 3,
                modifiers: [
                  { name: 'Tocino extra', priceDelta: 3500 },
                  { name: 'Queso extra', priceDelta: 2500 },
                  { name: 'Sin cebolla' },
                ],
              },
            ],
          },
          {
            name: 'Enchiladas suizas',
            description: 'Pollo, salsa verde cremosa y queso gratinado',
            price: 18500,
          },
          { name: 'Pescado a la talla', description: 'Adobo rojo y verde, arroz blanco', price: 29500 },
          {
            name: 'Tacos al pastor',
            description: 'Orden de cinco con piña',
            price: 14500,
            variants: [{ name: 'Orden' }, { name: 'Media orden', priceDelta: 0 }],
          },
          {
            name: 'Chilaquiles',
            description: 'Verdes o rojos, con pollo o huevo',
            price: 15500,
            windows: [{ weekdays: WEEK, startsAt: '08:00', endsAt: '13:00' }],
          },
        ],
      },
      {
        name: 'Postres',
        products: [
          { name: 'Flan napolitano', description: 'Con cajeta', price: 7500 },
          { name: 'Pastel de tres leches', description: 'Con fresas', price: 8500 },
          { name: 'Churros con chocolate', description: 'Cuatro piezas y chocolate caliente', price: 9000 },
        ],
      },
      {
        name: 'Bebidas',
        products: [
          {
            name: 'Agua fresca',
            description: 'Jamaica, horchata o tamarindo',
            price: 4500,
            variants: [{ name: 'Vaso' }, { name: 'Jarra', priceDelta: 8000 }],
          },
          { name: 'Refresco', description: 'De lata', price: 4000 },
          { name: 'Café de olla', description: 'Con canela y piloncillo', price: 4500 },
        ],
      },
      {
        name: 'Bar',
        products: [
          {
            name: 'Margarita',
            description: 'Tequila blanco, triple sec y limón',
            price: 14000,
            windows: [{ weekdays: WEEK, startsAt: '12:00', endsAt: '24:00' }],
          },
          {
            name: 'Cerveza artesanal',
            description: 'Lager o IPA de la casa',
            price: 9500,
            variants: [{ name: 'Lager' }, { name: 'IPA', priceDelta: 1000 }],
          },
          { name: 'Mezcal', description: 'Espadín joven, con naranja y sal de gusano', price: 12000 },
          { name: 'Michelada', description: 'Cerveza clara con limón, sal y salsas', price: 9000 },
        ],
      },
    ],
    stations: [
      {
        name: 'Cocina',
        kind: 'printer',
        printerAddress: '192.168.10.21:9100',
        isDefault: true,
        categories: ['Entradas', 'Fondos'],
      },
      { name: 'Barra', kind: 'both', printerAddress: '192.168.10.22:9100', categories: ['Bebidas', 'Bar'] },
      { name: 'Postres', kind: 'screen', categories: ['Postres'] },
    ],
    floors: [
      {
        name: 'Salón',
        tables: [
          ...Array.from({ length: 8 }, (_, i) => ({ name: String(i + 1), seats: i < 4 ? 2 : 4 })),
          { name: '9', seats: 6 },
          { name: '10', seats: 8 },
          { name: 'Barra 1', seats: 1 },
          { name: 'Barra 2', seats: 1 },
        ],
      },
    ],
    // MX$2,000.00 in the drawer when the shift starts.
    cash: { drawer: 'Caja principal', openingFloat: 200000, cashier: 'cashier-roma' },
  },
  {
    slug: 'cafe-andino',
    currency: 'COP',
    items: [
      { name: 'Café en grano', baseUnit: 'kg', stock: { quantity: '3', unitCost: 6000000 } },
      { name: 'Leche', baseUnit: 'l', stock: { quantity: '30', unitCost: 420000 } },
      { name: 'Chocolate de mesa', baseUnit: 'kg', stock: { quantity: '2', unitCost: 2800000 } },
      { name: 'Queso campesino', baseUnit: 'kg', stock: { quantity: '2', unitCost: 2400000 } },
      { name: 'Pandebono', baseUnit: 'unit', stock: { quantity: '60', unitCost: 80000 } },
      { name: 'Almojábana', baseUnit: 'unit', stock: { quantity: '60', unitCost: 90000 } },
      { name: 'Croissant', baseUnit: 'unit', stock: { quantity: '40', unitCost: 180000 } },
      { name: 'Huevo', baseUnit: 'unit', stock: { quantity: '90', unitCost: 60000 } },
      { name: 'Arepa', baseUnit: 'unit', stock: { quantity: '40', unitCost: 100000 } },
    ],
    recipes: {
      Tinto: [{ item: 'Café en grano', quantity: '0.012' }],
      Americano: [{ item: 'Café en grano', quantity: '0.018' }],
      Capuchino: [
        { item: 'Café en grano', quantity: '0.018' },
        { item: 'Leche', quantity: '0.15' },
      ],
      Latte: [
        { item: 'Café en grano', quantity: '0.018' },
        { item: 'Leche', quantity: '0.25' },
      ],
      'Chocolate santafereño': [
        { item: 'Chocolate de mesa', quantity: '0.04' },
        { item: 'Leche', quantity: '0.25' },
        { item: 'Queso campesino', quantity: '0.05' },
      ],
      Pandebono: [{ item: 'Pandebono', quantity: '1' }],
      Almojábana: [{ item: 'Almojábana', quantity: '1' }],
      Croissant: [{ item: 'Croissant', quantity: '1' }],
      'Huevos pericos': [
        { item: 'Huevo', quantity: '3' },
        { item: 'Arepa', quantity: '1' },
      ],
      Changua: [
        { item: 'Leche', quantity: '0.3' },
        { item: 'Huevo', quantity: '2' },
      ],
    },
    categories: [
      {
        name: 'Cafés',
        products: [
          { name: 'Tinto', description: 'Café de origen Huila, colado', price: 350000, variants: cafeSizes },
          {
            name: 'Americano',
            description: 'Espresso con agua caliente',
            price: 550000,
            variants: cafeSizes,
          },
          {
            name: 'Capuchino',
            description: 'Espresso, leche vaporizada y espuma',
            price: 750000,
            groups: [milk],
          },
          { name: 'Latte', description: 'Espresso con más leche', price: 800000, groups: [milk] },
          { name: 'Chocolate santafereño', description: 'Con queso campesino', price: 900000 },
        ],
      },
      {
        name: 'Panadería',
        products: [
          { name: 'Pandebono', description: 'Recién horneado', price: 300000 },
          { name: 'Almojábana', description: 'De cuajada', price: 350000 },
          { name: 'Croissant', description: 'De mantequilla', price: 550000 },
        ],
      },
      {
        name: 'Desayunos',
        products: [
          {
            name: 'Huevos pericos',
            description: 'Con arepa y chocolate',
            price: 1600000,
            windows: [{ weekdays: WEEK, startsAt: '06:30', endsAt: '11:30' }],
          },
          {
            name: 'Changua',
            description: 'Caldo de leche con huevo y calado',
            price: 1400000,
            windows: [{ weekdays: [6, 7], startsAt: '07:00', endsAt: '12:00' }],
          },
        ],
      },
    ],
    floors: [
      {
        name: 'Salón',
        tables: [
          { name: '1', seats: 2 },
          { name: '2', seats: 2 },
          { name: '3', seats: 4 },
          { name: 'Ventana', seats: 3 },
        ],
      },
    ],
  },
];

/** The demo products of a business. */
export const demoProducts = (m: DemoMenu) => m.categories.flatMap((c) => c.products);

/** The reference of the purchase that brings each demo item's opening stock (once per item and branch). */
export const DEMO_STOCK_REFERENCE = 'demo-seed:opening-stock';
