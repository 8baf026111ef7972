import { useEffect, useState } from 'preact/hooks';
import { pushRoute, readRoute, type Route } from '../url-state.js';

export interface RouteState {
  /** The search and the open message, as the URL holds them. */
  route: Route;
  navigate(next: Route, replace?: boolean): void;
  /** The search box's text, which becomes the route's search when submitted. */
  draft: string;
  setDraft(text: string): void;
  /** Lists what `q` finds, with no message open. */
  searchFor(q: string): void;
}

/** The route kept in the URL (so a search or an open message can be linked and survives reload), and Back/Forward. */
export function useRoute(): RouteState {
  const [route, setRoute] = useState<Route>(readRoute);
  const [draft, setDraft] = useState(route.q);

  useEffect(() => {
    const onPop = () => {
      const next = readRoute();
      setRoute(next);
      setDraft(next.q);
    };
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  const navigate = (next: Route, replace = false) => {
    pushRoute(next, replace);
    setRoute(next);
  };
  const searchFor = (q: string) => {
    setDraft(q);
    navigate({ q, m: '' });
  };
  return { route, navigate, draft, setDraft, searchFor };
}
