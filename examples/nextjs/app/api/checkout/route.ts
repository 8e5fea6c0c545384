import { currentUser } from '@/lib/session';
import { createCheckoutForUser } from '@/lib/shoutout';

// POST /api/checkout – a Checkout Session with the user's referral discount (step 3)
export async function POST() {
  const user = await currentUser(); // your own session
  if (!user) return new Response(null, { status: 303, headers: { Location: '/signup' } });
  const session = await createCheckoutForUser(user.id, user.email);
  return Response.redirect(session.url!, 303);
}
