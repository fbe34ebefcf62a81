// The maintained list of paths secrets scanners probe, and the matcher over normalised paths.
// Matching is case-insensitive: scanners vary case to slip past filters, and case-insensitive servers
// (IIS, macOS, some object stores) would serve /.ENV as /.env.
import { normalisePath } from './normalise-path';

export type PathCategory =
  | 'env-file' | 'vcs' | 'app-config' | 'cloud-credentials' | 'private-key' | 'backup' | 'secrets-api' | 'debug-endpoint';

/** A file name that is sensitive wherever it sits (`/.env`, `/app/.env`, `/api/.env`). */
const BASENAMES: Record<string, PathCategory> = {
  '.env': 'env-file', '.env.local': 'env-file', '.env.prod': 'env-file', '.env.production': 'env-file',
  '.env.dev': 'env-file', '.env.development': 'env-file', '.env.staging': 'env-file', '.env.test': 'env-file',
  '.env.example': 'env-file', '.env.backup': 'env-file', '.env.save': 'env-file', '.envrc': 'env-file',
  'wp-config.php': 'app-config', 'wp-config.php.bak': 'app-config', 'wp-config.php~': 'app-config',
  'configuration.php': 'app-config', 'localsettings.php': 'app-config', 'settings.php': 'app-config',
  'config.php': 'app-config', 'config.inc.php': 'app-config', 'parameters.yml': 'app-config', 'database.yml': 'app-config',
  'secrets.yml': 'app-config', 'secrets.yaml': 'app-config', 'secrets.json': 'app-config', 'credentials.json': 'cloud-credentials',
  'appsettings.json': 'app-config', 'appsettings.production.json': 'app-config', 'local.settings.json': 'app-config',
  'web.config': 'app-config', 'docker-compose.yml': 'app-config', 'docker-compose.yaml': 'app-config',
  '.htpasswd': 'app-config', '.htaccess': 'app-config', 'phpinfo.php': 'debug-endpoint', 'info.php': 'debug-endpoint',
  '.npmrc': 'cloud-credentials', '.pypirc': 'cloud-credentials', '.netrc': 'cloud-credentials', '.git-credentials': 'cloud-credentials',
  '.dockercfg': 'cloud-credentials', '.s3cfg': 'cloud-credentials', '.boto': 'cloud-credentials', '.pgpass': 'cloud-credentials',
  '.bash_history': 'app-config', '.zsh_history': 'app-config', '.ds_store': 'vcs', '.gitconfig': 'vcs',
  'terraform.tfstate': 'cloud-credentials', 'terraform.tfvars': 'cloud-credentials', 'service-account.json': 'cloud-credentials',
  'id_rsa': 'private-key', 'id_dsa': 'private-key', 'id_ecdsa': 'private-key', 'id_ed25519': 'private-key',
  'id_rsa.pub': 'private-key', 'authorized_keys': 'private-key', 'server.key': 'private-key', 'privkey.pem': 'private-key',
  'backup.zip': 'backup', 'backup.tar.gz': 'backup', 'backup.sql': 'backup', 'dump.sql': 'backup', 'db.sql': 'backup',
  'database.sql': 'backup', 'site.zip': 'backup', 'www.zip': 'backup', 'htdocs.zip': 'backup', 'public_html.zip': 'backup',
};

/** Two consecutive segments anywhere in the path (`/x/.git/config`, `/.aws/credentials`). */
const SEGMENT_PAIRS: Record<string, PathCategory> = {
  '.git/config': 'vcs', '.git/head': 'vcs', '.git/index': 'vcs', '.git/logs': 'vcs', '.git/refs': 'vcs', '.git/objects': 'vcs',
  '.git/packed-refs': 'vcs', '.git/fetch_head': 'vcs', '.git/orig_head': 'vcs', '.git/description': 'vcs',
  '.svn/entries': 'vcs', '.svn/wc.db': 'vcs', '.hg/hgrc': 'vcs', '.bzr/branch': 'vcs',
  '.aws/credentials': 'cloud-credentials', '.aws/config': 'cloud-credentials', '.docker/config.json': 'cloud-credentials',
  '.kube/config': 'cloud-credentials', '.ssh/id_rsa': 'private-key', '.ssh/authorized_keys': 'private-key',
  '.azure/accesstokens.json': 'cloud-credentials', 'gcloud/credentials.db': 'cloud-credentials',
  'gcloud/application_default_credentials.json': 'cloud-credentials', '.vscode/sftp.json': 'cloud-credentials',
};

/** Directory segments whose every file is sensitive (`/.git/`, `/.ssh/`). */
const SENSITIVE_DIRS: Record<string, PathCategory> = {
  '.git': 'vcs', '.svn': 'vcs', '.hg': 'vcs', '.ssh': 'private-key', '.aws': 'cloud-credentials', '.kube': 'cloud-credentials',
};

/** Path prefixes from the root. */
const PREFIXES: [string, PathCategory][] = [
  ['/api/v1/secrets', 'secrets-api'], ['/api/secrets', 'secrets-api'], ['/v1/secret/', 'secrets-api'],
  ['/actuator/env', 'debug-endpoint'], ['/actuator/heapdump', 'debug-endpoint'], ['/actuator/configprops', 'debug-endpoint'],
  ['/env', 'debug-endpoint'], ['/_profiler/phpinfo', 'debug-endpoint'], ['/debug/vars', 'debug-endpoint'],
  ['/config.xml', 'app-config'], ['/config.json', 'app-config'], ['/config.yml', 'app-config'], ['/config.yaml', 'app-config'],
  ['/conf/config.xml', 'app-config'], ['/server.xml', 'app-config'], ['/sftp-config.json', 'cloud-credentials'],
];

/** Extensions that mark backups, dumps and key material. */
const EXTENSIONS: [string, PathCategory][] = [
  ['.sql', 'backup'], ['.sql.gz', 'backup'], ['.sql.zip', 'backup'], ['.sql.bz2', 'backup'], ['.dump', 'backup'],
  ['.bak', 'backup'], ['.backup', 'backup'], ['.old', 'backup'], ['.orig', 'backup'], ['.save', 'backup'], ['.swp', 'backup'],
  ['.sqlite', 'backup'], ['.sqlite3', 'backup'], ['.mdb', 'backup'], ['.tfstate', 'cloud-credentials'],
  ['.pem', 'private-key'], ['.key', 'private-key'], ['.p12', 'private-key'], ['.pfx', 'private-key'], ['.jks', 'private-key'],
  ['.kdbx', 'private-key'], ['.ovpn', 'cloud-credentials'],
];

/** Archives named like a site or database backup (`/backup-2024.tar.gz`, `/www.7z`, `/db_backup.zip`). */
const BACKUP_ARCHIVE = /^(backup|backups|bak|site|www|web|html|public_html|htdocs|wwwroot|db|database|dump|data|archive|old|src|source|files)([-_.][a-z0-9_.-]*)?\.(zip|tar|tgz|tar\.gz|gz|7z|rar|bz2|tar\.bz2|xz|tar\.xz)$/;

export interface PathMatch {
  category: PathCategory | 'custom';
  rule: string;
}

export interface SensitivePathMatcher {
  /** Matches an already normalised path. */
  matchNormalised(normalisedPath: string): PathMatch | undefined;
  /** Normalises, then matches. */
  match(rawPath: string): { normalised: string; match?: PathMatch };
}

interface CustomRules {
  exact: Set<string>;
  prefixes: string[];
  extensions: string[];
  basenames: Set<string>;
}

/** Parses operator rules: "/exact", "/prefix/*", "*.ext", "name" (a basename anywhere). */
function parseCustom(rules: string[]): CustomRules {
  const out: CustomRules = { exact: new Set(), prefixes: [], extensions: [], basenames: new Set() };
  for (const raw of rules) {
    const r = raw.trim().toLowerCase();
    if (!r) continue;
    if (r.startsWith('*.')) out.extensions.push(r.slice(1));
    else if (r.startsWith('/') && r.endsWith('*')) out.prefixes.push(r.slice(0, -1));
    else if (r.startsWith('/')) out.exact.add(normalisePath(r).toLowerCase());
    else out.basenames.add(r);
  }
  return out;
}

export function createSensitivePathMatcher(extraRules: string[] = []): SensitivePathMatcher {
  const custom = parseCustom(extraRules);
  const matchNormalised = (path: string): PathMatch | undefined => {
    const p = path.toLowerCase();
    if (custom.exact.has(p)) return { category: 'custom', rule: p };
    for (const pre of custom.prefixes) if (p.startsWith(pre)) return { category: 'custom', rule: pre + '*' };
    for (const [pre, category] of PREFIXES) {
      if (p === pre || p.startsWith(pre + '/') || (pre.endsWith('/') && p.startsWith(pre))) return { category, rule: pre };
    }
    const segments = p.split('/').filter((s) => s.length > 0);
    const base = segments.length ? segments[segments.length - 1] : '';
    if (base) {
      const b = BASENAMES[base];
      if (b) return { category: b, rule: base };
      if (custom.basenames.has(base)) return { category: 'custom', rule: base };
      for (const ext of custom.extensions) if (base.endsWith(ext)) return { category: 'custom', rule: '*' + ext };
      for (const [ext, category] of EXTENSIONS) if (base.endsWith(ext) && base.length > ext.length) return { category, rule: '*' + ext };
      if (BACKUP_ARCHIVE.test(base)) return { category: 'backup', rule: 'backup archive' };
      if (/^\.env\.[a-z0-9_-]+$/.test(base)) return { category: 'env-file', rule: '.env.*' };
    }
    for (let i = 0; i < segments.length; i++) {
      if (i + 1 < segments.length) {
        const pair = SEGMENT_PAIRS[segments[i] + '/' + segments[i + 1]];
        if (pair) return { category: pair, rule: segments[i] + '/' + segments[i + 1] };
      }
      const dir = SENSITIVE_DIRS[segments[i]];
      // A sensitive directory probed itself (`/.git/`) or anything inside it.
      if (dir) return { category: dir, rule: segments[i] + '/' };
    }
    return undefined;
  };
  return {
    matchNormalised,
    match(rawPath: string) {
      const normalised = normalisePath(rawPath);
      return { normalised, match: matchNormalised(normalised) };
    },
  };
}

/** The built-in list, for documentation and the LLM prompt. */
export const BUILT_IN_SENSITIVE_RULES = {
  basenames: Object.keys(BASENAMES),
  segmentPairs: Object.keys(SEGMENT_PAIRS),
  directories: Object.keys(SENSITIVE_DIRS),
  prefixes: PREFIXES.map(([p]) => p),
  extensions: EXTENSIONS.map(([e]) => e),
};
