import nodemailer from 'nodemailer';
import type { Channel, OutgoingMessage } from './channels.ts';

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  pass?: string;
  from: string;
}

/** Email through SMTP (nodemailer): any provider that speaks SMTP, or the local catcher in dev and tests. */
export function createEmailChannel(smtp: SmtpSettings): Channel & { close(): void } {
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.user && { auth: { user: smtp.user, pass: smtp.pass ?? '' } }),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    name: 'email',
    async send(message: OutgoingMessage) {
      if (!message.to) throw new Error('email needs a recipient address');
      const info = await transport.sendMail({
        from: smtp.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        headers: { 'Content-Language': message.locale, 'X-Faena-Notification': message.notificationId },
        attachments: message.attachments.map((a) => ({
          filename: a.filename,
          contentType: a.contentType,
          content: Buffer.from(a.contentBase64, 'base64'),
        })),
      });
      return { providerId: info.messageId };
    },
    close: () => transport.close(),
  };
}

/** An SMTP error without the addresses it may quote (personal data stays out of history and logs). */
export const sanitizeError = (err: unknown): string =>
  (err instanceof Error ? err.message : String(err))
    .replace(/[^\s<>"]+@[^\s<>"]+/g, '[address]')
    .slice(0, 500);
