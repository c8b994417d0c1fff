// The app definitions platform.yaml can name with `from:`. The backoffice is the platform's own
// and is deployed on platformHostnames.backoffice, not from here.

import type { AppDefinition } from '../lib/app-definition';
import { gitea } from './gitea';
import { miniflux } from './miniflux';
import { template } from './template';

export { backoffice } from './backoffice';

export const APP_DEFINITIONS: Readonly<Record<string, AppDefinition>> = { gitea, miniflux, template };
