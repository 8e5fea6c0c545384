import { redirect } from 'next/navigation';
import { currentUser } from '@/lib/session';

export default async function Account() {
  const user = await currentUser();
  if (!user) redirect('/signup');
  return (
    <main>
      <h1>Your account</h1>
      <p>
        Signed in as <span id="email">{user.email}</span> (user id <code id="user-id">{user.id}</code>).
      </p>
      <form method="post" action="/api/checkout">
        <button type="submit">Buy the Summer tee</button>
      </form>
    </main>
  );
}
