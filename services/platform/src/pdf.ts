/**
 * The one PDF writer of the product (a kitchen ticket that could not print, a cash closure's
 * report): pdfkit with a bundled font, so Spanish text (ñ, á, ¿, €) renders the same on every
 * machine and no system font is looked up. The font is DejaVu Sans from the npm package
 * `dejavu-fonts-ttf` (pinned in platform's package.json); pdfkit embeds only the glyphs a document
 * uses. `renderPdf(draw)` hands `draw` a document already set in the regular font (`PDF_FONTS.bold`
 * for headings) and answers the finished file as a Buffer.
 */
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';

const require = createRequire(import.meta.url);

/** Font names registered on every document `renderPdf` makes. */
export const PDF_FONTS = { regular: 'Faena-Regular', bold: 'Faena-Bold' } as const;

const FONT_FILES = {
  [PDF_FONTS.regular]: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
  [PDF_FONTS.bold]: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
};

export type PdfDocument = InstanceType<typeof PDFDocument>;

export interface PdfOptions {
  /** pdfkit page size: a name (`A4`, default) or `[width, height]` in points (a 80 mm roll: `[227, 600]`). */
  size?: string | [number, number];
  /** Points on every side (default 36, half an inch). */
  margin?: number;
  /** The document's title and author in its metadata. */
  title?: string;
  author?: string;
}

/** Renders one document: `draw` writes it (sync or async), the answer is the PDF's bytes. */
export async function renderPdf(
  draw: (doc: PdfDocument) => void | Promise<void>,
  opts: PdfOptions = {},
): Promise<Buffer> {
  const doc = new PDFDocument({
    size: opts.size ?? 'A4',
    margin: opts.margin ?? 36,
    info: { Title: opts.title ?? '', Author: opts.author ?? 'Faena' },
    // The bundled font is the only one used: pdfkit's standard Helvetica has no ñ/€ metrics loaded.
    font: FONT_FILES[PDF_FONTS.regular],
  });
  for (const [name, file] of Object.entries(FONT_FILES)) doc.registerFont(name, file);
  doc.font(PDF_FONTS.regular);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  try {
    await draw(doc);
  } finally {
    doc.end();
  }
  return done;
}
