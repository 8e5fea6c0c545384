// Stripe's success_url.
export default function Thanks() {
  return (
    <main>
      <h1>Thank you</h1>
      <p>Your order is paid.</p>
    </main>
  );
}
