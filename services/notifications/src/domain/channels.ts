import type { ChannelName } from './entities.ts';

export interface Attachment {
  filename: string;
  contentType: string;
  /** The file, base64 (it travels in JSON bodies and Temporal payloads). */
  contentBase64: string;
}

/** A rendered message for one recipient on one channel. */
export interface OutgoingMessage {
  notificationId: string;
  tenantId: string;
  eventType: string;
  userId: string | null;
  /** Email address (email channel). */
  to: string | null;
  locale: string;
  subject: string;
  text: string;
  html: string;
  /** The in-app line. */
  inApp: string;
  data: Record<string, unknown>;
  attachments: Attachment[];
}

/** Every way of reaching a person sits behind this; `send` throws when the provider refuses. */
export interface Channel {
  readonly name: ChannelName;
  send(message: OutgoingMessage): Promise<{ providerId?: string }>;
}
