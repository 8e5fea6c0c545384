export default function SignUp() {
  return (
    <main>
      <h1>Sign up</h1>
      <form method="post" action="/api/signup">
        <label>
          Email <input name="email" type="email" required />
        </label>{' '}
        <button type="submit">Create account</button>
      </form>
    </main>
  );
}
