import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { Config } from '../config';

export interface Email {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The brand's name, shown as the sender's: the address stays EMAIL_FROM's. */
  fromName?: string;
}

/** SMTP from `SMTP_URL`, sending as `EMAIL_FROM`; `configured` is false when either is missing. */
export interface Mailer {
  readonly configured: boolean;
  /** Sends now; rejects when the SMTP server refuses. */
  send(email: Email): Promise<void>;
  /**
   * Sends without making the caller wait or fail: a conversion, a payout or a sign-in answer never
   * depends on the SMTP server. A refused message is logged with `context` and dropped.
   */
  sendInBackground(email: Email, context: Record<string, unknown>): void;
  close(): void;
}

/** The address in `Name <address>`, or the whole value when it is a bare address. */
const addressOf = (mailbox: string) => /<([^<>]+)>$/.exec(mailbox)?.[1] ?? mailbox;

export function createMailer(config: Pick<Config, 'SMTP_URL' | 'EMAIL_FROM'>, logger: Logger): Mailer {
  const { SMTP_URL: url, EMAIL_FROM: from } = config;
  const transport: Transporter | null = url && from ? nodemailer.createTransport(url) : null;
  const send = async (email: Email) => {
    if (!transport || !from) throw new Error('email is not set up: set SMTP_URL and EMAIL_FROM');
    await transport.sendMail({
      from: email.fromName ? { name: email.fromName, address: addressOf(from) } : from,
      to: email.to,
      subject: email.subject,
      text: email.text,
      html: email.html,
    });
  };
  return {
    configured: transport !== null,
    send,
    sendInBackground(email, context) {
      send(email).then(
        () => logger.info({ ...context, email: email.subject }, 'email sent'),
        (error: unknown) => logger.error({ ...context, email: email.subject, err: error }, 'email not sent'),
      );
    },
    close: () => transport?.close(),
  };
}
