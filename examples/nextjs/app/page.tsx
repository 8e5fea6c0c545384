// The landing page creators link to (?infl=CODE): the layout's pixel records the click.
export default function Home() {
  return (
    <main>
      <h1>Summer tee</h1>
      <p>
        The Summer tee, $40. <a href="/signup">Sign up</a> to buy it.
      </p>
    </main>
  );
}
