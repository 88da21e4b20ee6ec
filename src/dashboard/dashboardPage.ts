import * as fs from 'fs';
import * as path from 'path';
import { randomBytes } from 'crypto';

/** A complete HTTP answer with a text body (the page is not JSON, so it bypasses the API's serializer). */
export interface DashboardResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/**
 * The assets live as plain files in src/dashboard/assets, which the package ships as they are
 * (package.json `files`): next to this module when run from source (ts-jest), and three levels
 * up from dist/src/dashboard when compiled. No build step, nothing fetched at run time.
 */
const CANDIDATE_DIRS = [path.join(__dirname, 'assets'), path.join(__dirname, '..', '..', '..', 'src', 'dashboard', 'assets')];

interface Assets {
  html: string;
  css: string;
  js: string;
}

let cached: Assets | undefined;

export function dashboardAssetDir(): string {
  const dir = CANDIDATE_DIRS.find((d) => fs.existsSync(path.join(d, 'index.html')));
  if (!dir) throw new Error(`The dashboard assets were not found (looked in ${CANDIDATE_DIRS.join(', ')}).`);
  return dir;
}

function loadAssets(): Assets {
  if (cached) return cached;
  const dir = dashboardAssetDir();
  const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');
  cached = { html: read('index.html'), css: read('dashboard.css'), js: read('dashboard.js') };
  return cached;
}

/** Running in Azure App Service / Functions (the platform sets this for every site). */
function runningInAzure(): boolean {
  return Boolean(process.env.WEBSITE_INSTANCE_ID);
}

const textResponse = (status: number, text: string): DashboardResponse => ({
  status,
  headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
  text,
});

/**
 * The dashboard as one self-contained HTML document: the stylesheet and the script are inlined so
 * that the single request carrying the management key is the only one the page needs, and a
 * per-response nonce lets a strict Content-Security-Policy allow exactly them.
 */
export function dashboardResponse(method: string, protectedByKey: boolean): DashboardResponse {
  if (method !== 'GET' && method !== 'HEAD') return textResponse(405, `${method} is not supported on the dashboard; use GET.`);
  // The caller or the host already checked a key when one protects the API; an API opened
  // anonymously (an explicit opt-out) never opens the dashboard in Azure.
  if (!protectedByKey && runningInAzure()) {
    return textResponse(403, 'The dashboard is disabled in Azure while the management API is anonymous; set DurableTaskManagementKey or keep the default function-level access.');
  }
  const assets = loadAssets();
  const nonce = randomBytes(16).toString('base64');
  // Function replacers: asset text must be inserted literally ('$&' etc. have meaning in string replacements).
  const html = assets.html
    .replace('/*__STYLE__*/', () => assets.css)
    .replace('/*__SCRIPT__*/', () => assets.js)
    .replace(/__NONCE__/g, () => nonce);
  return {
    status: 200,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      // The page URL may carry ?code=<key>: never send it on as a referrer.
      'Referrer-Policy': 'no-referrer',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Content-Security-Policy':
        `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self' data:; ` +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    },
    text: method === 'HEAD' ? '' : html,
  };
}
