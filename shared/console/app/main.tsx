import { render } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { apiGet, storedKey, storeKey, Unauthorized } from "./api.ts";
import { BookView, OrderView, PromisesView, SearchView, TimelineView } from "./views.tsx";

/** The view the hash names: `#/book`, `#/promises`, `#/search/<term>`, `#/orders/<id>`,
 * `#/orders/<id>/lines/<lineId>`. */
type Route =
  | { view: "book" }
  | { view: "promises" }
  | { view: "search"; query: string }
  | { view: "order"; orderId: string }
  | { view: "line"; orderId: string; lineId: string };

/** A part of the hash decoded; one that is not valid percent-encoding is taken as it is. */
function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function routeOf(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").map(decoded);
  const [first, id, sub, lineId] = parts;
  if (first === "promises") return { view: "promises" };
  if (first === "search") return { view: "search", query: parts.slice(1).join("/") };
  if (first === "orders" && id && sub === "lines" && lineId)
    return { view: "line", orderId: id, lineId };
  if (first === "orders" && id) return { view: "order", orderId: id };
  return { view: "book" };
}

function useRoute(): Route {
  const [route, setRoute] = useState(routeOf(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(routeOf(window.location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

/** Asks for the storefront key, and checks it against the API before keeping it. */
function Login(props: { onKey: (key: string) => void; message: string | null }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(props.message);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      await apiGet("/v1/reports/backorders?limit=1", key.trim());
      props.onKey(key.trim());
    } catch (err) {
      setError(err instanceof Unauthorized ? "That key was refused." : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <form onSubmit={submit}>
        <h1>Backorder console</h1>
        <p>Sign in with the shop's storefront key (the one the storefront calls the API with).</p>
        <label>
          Storefront key
          <input
            name="key"
            type="password"
            autoComplete="current-password"
            value={key}
            onInput={(e) => setKey(e.currentTarget.value)}
            required
          />
        </label>
        {error && <p class="error">{error}</p>}
        <button type="submit" disabled={busy || key.trim() === ""}>
          Sign in
        </button>
      </form>
    </main>
  );
}

function App() {
  const [apiKey, setApiKey] = useState(storedKey());
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const route = useRoute();
  const [term, setTerm] = useState(route.view === "search" ? route.query : "");

  const signIn = (key: string | null) => {
    storeKey(key);
    setApiKey(key);
  };
  const onError = useCallback((err: unknown) => {
    if (err instanceof Unauthorized) {
      storeKey(null);
      setApiKey(null);
      setMessage("Your key was refused: sign in again.");
      return;
    }
    setError(err instanceof Error ? err.message : String(err));
  }, []);
  useEffect(() => setError(null), [route]);

  if (!apiKey) return <Login onKey={signIn} message={message} />;
  const props = { apiKey, onError };
  const tab = (view: Route["view"], href: string, label: string) => (
    <a href={href} class={route.view === view ? "tab active" : "tab"}>
      {label}
    </a>
  );
  return (
    <>
      <header>
        <h1>Backorder console</h1>
        <nav>
          {tab("book", "#/book", "Backorder book")}
          {tab("promises", "#/promises", "Promises")}
        </nav>
        <form
          class="search"
          aria-label="Find an order"
          onSubmit={(e) => {
            e.preventDefault();
            window.location.hash = `#/search/${encodeURIComponent(term.trim())}`;
          }}
        >
          <input
            type="search"
            name="q"
            placeholder="Order ref or email"
            aria-label="Order ref or email"
            value={term}
            onInput={(e) => setTerm(e.currentTarget.value)}
          />
          <button type="submit">Find</button>
        </form>
        <button type="button" class="quiet" onClick={() => signIn(null)}>
          Sign out
        </button>
      </header>
      <main>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        {route.view === "book" && <BookView {...props} />}
        {route.view === "promises" && <PromisesView {...props} />}
        {route.view === "search" && <SearchView {...props} query={route.query} />}
        {route.view === "order" && <OrderView {...props} orderId={route.orderId} />}
        {route.view === "line" && (
          <TimelineView {...props} orderId={route.orderId} lineId={route.lineId} />
        )}
      </main>
    </>
  );
}

const root = document.getElementById("app");
if (root) render(<App />, root);
