// Docker labels that route a container through Traefik: one router per app on the websecure
// entrypoint with TLS from the `le` resolver, its middleware chain, and the service port.

import { BASIC_AUTH_MIDDLEWARE, EdgeMiddleware } from './traefik';

export interface RouteModel {
  /** Router and service name; unique on the edge. */
  readonly name: string;
  /** Full hostnames the router matches. */
  readonly hostnames: readonly string[];
  /** Port the container listens on. */
  readonly port: number;
  /** The Docker network Traefik reaches the container on. */
  readonly webNetwork: string;
  readonly middlewares: readonly EdgeMiddleware[];
  /** Middlewares defined elsewhere (e.g. SSO's forward-auth), referenced by their full name. */
  readonly extraMiddlewares?: readonly string[];
  /** Paths the edge never routes from outside, e.g. the app's metrics endpoint (scraped inside). */
  readonly privatePaths?: readonly string[];
  /** Ask for the platform's basic-auth users before anything else. */
  readonly basicAuth?: boolean;
  /**
   * Route to a service defined elsewhere (`api@internal`, a blue/green colour's `app-blue@docker`)
   * instead of defining one on the container's port.
   */
  readonly service?: string;
}

export function routerRule(hostnames: readonly string[], privatePaths: readonly string[] = []): string {
  const hosts = hostnames.map((hostname) => `Host(\`${hostname}\`)`).join(' || ');
  if (privatePaths.length === 0) return hosts;
  const excluded = privatePaths.map((privatePath) => `!PathPrefix(\`${privatePath}\`)`).join(' && ');
  return `(${hosts}) && ${excluded}`;
}

export function traefikLabels(route: RouteModel): Record<string, string> {
  const router = `traefik.http.routers.${route.name}`;
  // Rate limits and security headers come first, so sign-in attempts are rate-limited and the
  // authentication's own 401s and redirects carry HSTS and friends; authentication comes last.
  const chain = [
    ...route.middlewares.map((middleware) => `${middleware}@file`),
    ...(route.basicAuth ? [`${BASIC_AUTH_MIDDLEWARE}@file`] : []),
    ...(route.extraMiddlewares ?? []),
  ];

  const labels: Record<string, string> = {
    'traefik.enable': 'true',
    'traefik.docker.network': route.webNetwork,
    [`${router}.rule`]: routerRule(route.hostnames, route.privatePaths),
    [`${router}.entrypoints`]: 'websecure',
    [`${router}.tls`]: 'true',
    [`${router}.tls.certresolver`]: 'le',
  };
  if (chain.length > 0) labels[`${router}.middlewares`] = chain.join(',');

  if (route.service) {
    labels[`${router}.service`] = route.service;
  } else {
    labels[`${router}.service`] = route.name;
    labels[`traefik.http.services.${route.name}.loadbalancer.server.port`] = String(route.port);
  }
  return labels;
}

/** Labels that define a service on the container's port and no router (a blue/green colour). */
export function serviceLabels(name: string, port: number, webNetwork: string): Record<string, string> {
  return {
    'traefik.enable': 'true',
    'traefik.docker.network': webNetwork,
    [`traefik.http.services.${name}.loadbalancer.server.port`]: String(port),
  };
}
