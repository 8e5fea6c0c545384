import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface TestSmtp {
  /** `smtp://127.0.0.1:<port>`, for SMTP_URL. */
  url: string;
  /** Every message received so far, parsed, in arrival order. */
  messages: ParsedMail[];
  /** The first message (received already or still to come) to this address whose subject matches. */
  waitFor(to: string, subject?: RegExp): Promise<ParsedMail>;
  stop(): Promise<void>;
}

const recipientsOf = (mail: ParsedMail) => [mail.to ?? []].flat().flatMap((address) => address.value.map((entry) => entry.address?.toLowerCase()));

/** A real SMTP server on 127.0.0.1 that keeps what it is sent, for tests to read as a creator would. */
export async function startTestSmtp(): Promise<TestSmtp> {
  const messages: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, done) {
      simpleParser(stream).then(
        (mail) => {
          messages.push(mail);
          done();
        },
        (error: Error) => done(error),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  const find = (to: string, subject?: RegExp) => messages.find((mail) => recipientsOf(mail).includes(to.toLowerCase()) && (!subject || subject.test(mail.subject ?? '')));
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    async waitFor(to, subject) {
      return vi.waitFor(
        () => {
          const mail = find(to, subject);
          if (!mail) throw new Error(`no email to ${to}${subject ? ` matching ${subject}` : ''} yet`);
          return mail;
        },
        { timeout: 10_000, interval: 50 },
      );
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A port free right now, for a server whose PUBLIC_URL must be known before it starts. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** The portal sign-in link in an email's text. */
export function signInLinkIn(mail: ParsedMail): string {
  const match = /https?:\/\/\S+\/portal\/auth\?token=[A-Za-z0-9_-]+/.exec(mail.text ?? '');
  if (!match) throw new Error(`no sign-in link in: ${mail.text}`);
  return match[0];
}
