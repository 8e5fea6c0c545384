import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { cookies } from 'next/headers';

/**
 * Stands in for your own users and sessions: a user is an id and an email, and the session is a
 * cookie carrying them, signed with SESSION_SECRET. Nothing is stored, so the example needs no
 * database; a real shop creates the user in its own.
 */

export interface User {
  id: string;
  email: string;
}

const SESSION_COOKIE = 'session';

const sign = (payload: string) => createHmac('sha256', process.env.SESSION_SECRET!).update(payload).digest();

export function createUser(email: string): User {
  return { id: `user_${randomBytes(8).toString('hex')}`, email };
}

export async function startSession(user: User) {
  const payload = Buffer.from(JSON.stringify(user)).toString('base64url');
  (await cookies()).set(SESSION_COOKIE, `${payload}.${sign(payload).toString('base64url')}`, { httpOnly: true, sameSite: 'lax', path: '/' });
}

export async function currentUser(): Promise<User | null> {
  const [payload, signature] = (await cookies()).get(SESSION_COOKIE)?.value.split('.') ?? [];
  if (!payload || !signature) return null;
  const expected = sign(payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as User;
}
