/** What the address bar holds: the search (`q`) and the open message (`m`), so both can be bookmarked and shared. */
export interface Route {
  q: string;
  m: string;
}

export function readRoute(): Route {
  const params = new URLSearchParams(location.search);
  return { q: params.get('q') ?? '', m: params.get('m') ?? '' };
}

export function routeHref(route: Route): string {
  const params = new URLSearchParams();
  if (route.q) params.set('q', route.q);
  if (route.m) params.set('m', route.m);
  const search = params.toString();
  return search ? `?${search}` : location.pathname;
}

export function pushRoute(route: Route, replace = false): void {
  const href = routeHref(route);
  if (href === routeHref(readRoute())) return;
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
}
