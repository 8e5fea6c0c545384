import { cookies } from 'next/headers';
import { createUser, startSession } from '@/lib/session';
import { bindReferral } from '@/lib/shoutout';

// POST /api/signup – create the user, then bind their referral (step 2)
export async function POST(request: Request) {
  const email = String((await request.formData()).get('email') ?? '').trim().toLowerCase();
  if (!email) return new Response('Email is required.', { status: 400 });
  const user = createUser(email); // your own signup
  await bindReferral(user.id, (await cookies()).get('shoutout_ref')?.value);
  await startSession(user);
  return new Response(null, { status: 303, headers: { Location: '/account' } });
}
