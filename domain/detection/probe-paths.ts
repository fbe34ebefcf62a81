// The maintained list of admin-interface and exploit (CVE) probes, each with where it comes from.
// Sources:
//   [cs:<scenario>]  CrowdSec hub scenario or data file shipped in Debian's crowdsec 1.4.6
//                    (/usr/share/crowdsec/hub/scenarios/crowdsecurity, /usr/share/crowdsec/data);
//   [cve]            the advisory's published proof of concept;
//   [seen]           observed in the wild on honeypots and in the issue-12 corpus of recorded attacks.
// Admin entries name a product family: one administrator uses one product, a scanner sweeps several, so the
// detector counts distinct families. Exploit entries are attacks on their own: one request is a clear probe.
// All matching is substring / prefix search (linear in the path); needles are lower case.

export type ProbeKind = 'admin' | 'exploit';

export interface ProbeRule {
  kind: ProbeKind;
  /** Product family (admin) or vulnerability id (exploit), used as the evidence label. */
  label: string;
  /** Where the needle is looked for: the normalised path's prefix, anywhere in the normalised path, or anywhere in
   *  the raw request target (path + query, lower-cased and percent-decoded; exploit payloads live there). */
  where: 'prefix' | 'path' | 'raw';
  needle: string;
  source: string;
}

const admin = (label: string, where: ProbeRule['where'], needles: string[], source: string): ProbeRule[] =>
  needles.map((needle) => ({ kind: 'admin', label, where, needle, source }));
const exploit = (label: string, where: ProbeRule['where'], needles: string[], source: string): ProbeRule[] =>
  needles.map((needle) => ({ kind: 'exploit', label, where, needle, source }));

export const PROBE_RULES: readonly ProbeRule[] = [
  ...admin('wordpress', 'prefix', ['/wp-login.php', '/wp-admin', '/xmlrpc.php'], 'cs:http-bf-wordpress_bf'),
  ...admin('wordpress', 'path', ['/wlwmanifest.xml', '/wp-json/wp/v2/users'], 'cs:http-wordpress_user-enum'),
  ...admin('phpmyadmin', 'path', ['/phpmyadmin', '/pma/', '/myadmin/', '/mysqladmin', '/sqladmin', '/dbadmin/', '/phpmyadmin2'], 'seen'),
  ...admin('tomcat', 'prefix', ['/manager/html', '/host-manager/', '/manager/text'], 'seen'),
  ...admin('joomla', 'prefix', ['/administrator/index.php', '/administrator/manifests/'], 'seen'),
  ...admin('drupal', 'prefix', ['/core/install.php', '/core/changelog.txt'], 'seen'),
  ...admin('jenkins', 'prefix', ['/jenkins/login', '/jenkins/script', '/asynchpeople/'], 'seen'),
  ...admin('weblogic', 'prefix', ['/console/login/loginform.jsp', '/wls-wsat/'], 'seen'),
  ...admin('solr', 'prefix', ['/solr/admin/', '/solr/#/'], 'seen'),
  ...admin('cgi-bin', 'prefix', ['/cgi-bin/'], 'seen'),
  ...admin('vpn-portal', 'prefix', ['/remote/login', '/dana-na/', '/global-protect/login.esp', '/vpn/index.html', '/+cscoe+/logon.html'], 'seen'),
  ...admin('router', 'prefix', ['/hnap1', '/boaform/', '/gponform/', '/cgi-bin/luci', '/setup.cgi'], 'seen'),
  ...admin('exchange', 'prefix', ['/owa/auth/logon.aspx', '/ecp/'], 'seen'),
  ...admin('adminer', 'path', ['/adminer.php', '/adminer/'], 'seen'),
  ...admin('laravel', 'prefix', ['/telescope/requests', '/horizon/api/'], 'seen'),
  // Exploits: each needle names the vulnerability it belongs to.
  ...exploit('CVE-2017-9841 phpunit eval-stdin', 'path', ['/phpunit/src/util/php/eval-stdin.php'], 'cs:http-cve-2017-9841 / cve'),
  ...exploit('CVE-2021-41773 apache path traversal', 'raw', ['/.%2e/', '/%2e%2e/%2e%2e'], 'cs:http-cve-2021-41773'),
  ...exploit('CVE-2021-42013 apache path traversal', 'raw', ['/%%32%65%%32%65/', '/.%%32%65/'], 'cs:http-cve-2021-42013'),
  ...exploit('CVE-2021-44228 log4shell', 'raw', ['${jndi:', '${${::-j}', '${${lower:j', '${${upper:j', '${${lower:jndi}', '${j${'], 'cs:apache_log4j2_cve-2021-44228'),
  ...exploit('CVE-2022-22965 spring4shell', 'raw', ['class.module.classloader'], 'cs:spring4shell_cve-2022-22965'),
  ...exploit('CVE-2022-26134 confluence ognl', 'raw', ['@java.lang.runtime@getruntime'], 'cs:CVE-2022-26134'),
  ...exploit('CVE-2022-42889 text4shell', 'raw', ['${script:javascript:', '${script:js:', '${url:utf-8:', '${dns:address|'], 'cs:CVE-2022-42889'),
  ...exploit('CVE-2020-5902 f5 tmui', 'raw', ['/tmui/login.jsp/..;'], 'cs:f5-big-ip-cve-2020-5902'),
  ...exploit('CVE-2018-13379 fortinet sslvpn', 'raw', ['/remote/fgt_lang?lang=/../'], 'cs:fortinet-cve-2018-13379'),
  ...exploit('CVE-2019-11510 pulse secure', 'raw', ['/dana-na/../dana/html5acc/guacamole/'], 'cs:pulse-secure-sslvpn-cve-2019-11510'),
  ...exploit('CVE-2021-43798 grafana plugins traversal', 'raw', ['/public/plugins/'], 'cs:grafana-cve-2021-43798'),
  ...exploit('CVE-2022-35914 glpi htmlawed', 'path', ['/vendor/htmlawed/htmlawed/htmlawedtest.php'], 'cs:CVE-2022-35914'),
  ...exploit('CVE-2018-20062 thinkphp', 'raw', ['invokefunction&function=call_user_func_array', '\\think\\app/invokefunction'], 'cs:thinkphp-cve-2018-20062'),
  ...exploit('CVE-2021-26086 jira', 'raw', ['/_/;/web-inf/', '/_/;/meta-inf/'], 'cs:jira_cve-2021-26086'),
  ...exploit('CVE-2022-22954 vmware workspace one', 'raw', ['/catalog-portal/ui/oauth/verify?error=&deviceudid=${'], 'cs:vmware-cve-2022-22954'),
  ...exploit('VMSA-2021-0027 vcenter', 'raw', ['/ui/vcav-bootstrap/rest/vcav-providers/provider-logo?url='], 'cs:vmware-vcenter-vmsa-2021-0027'),
  ...exploit('CVE-2021-3129 laravel ignition', 'prefix', ['/_ignition/execute-solution'], 'cve'),
  ...exploit('CVE-2020-14882 weblogic console', 'raw', ['/console/css/%2e%2e%2fconsole.portal', '/console/images/%2e%2e%2fconsole.portal'], 'cve'),
  ...exploit('CVE-2022-22947 spring cloud gateway', 'prefix', ['/actuator/gateway/routes'], 'cve'),
  ...exploit('CVE-2018-10561 gpon', 'prefix', ['/gponform/diag_form'], 'cve'),
  ...exploit('CVE-2020-25213 wp-file-manager', 'path', ['/wp-file-manager/lib/php/connector.minimal.php'], 'cve'),
  ...exploit('boa router formLogin', 'prefix', ['/boaform/admin/formlogin'], 'seen'),
  ...exploit('mirai shell download', 'raw', ['/shell?cd+/tmp', 'wget+http', 'cd+/tmp;', ';wget%20http'], 'seen'),
  ...exploit('php cgi argument injection', 'raw', ['?-d+allow_url_include', '%ad+allow_url_include', '-d+auto_prepend_file'], 'cve'),
  ...exploit('/.well-known abuse (script under .well-known)', 'raw', ['/.well-known/acme-challenge/', '/.well-known/pki-validation/'], 'seen'),
];

/** Web-shell file names probed as backdoors (cs:http-backdoors-attempts, data/backdoors.txt; a subset). */
export const BACKDOOR_BASENAMES: readonly string[] = [
  'c99.php', 'c99shell.php', 'r57.php', 'r58.php', 'wso.php', 'wso2.php', 'alfa.php', 'alfanew.php', 'shell.php',
  'cmd.php', 'filesman.php', 'b374k.php', 'indoxploit.php', 'mini.php', 'up.php', 'upl0ader.php', 'sniper.php',
  'c100.php', 'r00t.php', 'webshell.php', 'priv8.php', 'leaf.php', 'marijuana.php', 'xleet.php', 'wp-xmlrpc.php',
];

export interface ProbeMatch {
  kind: ProbeKind;
  label: string;
}

/** Scripts under /.well-known/ are never legitimate: ACME and PKI validation serve plain tokens. */
const WELL_KNOWN_SCRIPT = ['.php', '.jsp', '.asp', '.aspx', '.cgi', '.pl'];

export function createProbeMatcher(): (normalisedLower: string, rawDecodedLower: string) => ProbeMatch | undefined {
  const prefix = PROBE_RULES.filter((r) => r.where === 'prefix');
  const inPath = PROBE_RULES.filter((r) => r.where === 'path');
  const raw = PROBE_RULES.filter((r) => r.where === 'raw');
  const backdoors = new Set(BACKDOOR_BASENAMES);
  return (p, rawLower) => {
    let found: ProbeMatch | undefined;
    for (const r of raw) {
      if (!rawLower.includes(r.needle)) continue;
      if (r.label.startsWith('/.well-known') && !WELL_KNOWN_SCRIPT.some((ext) => p.endsWith(ext))) continue;
      if (r.label.startsWith('CVE-2021-43798') && !rawLower.includes('/../')) continue;
      return { kind: r.kind, label: r.label };
    }
    const base = p.slice(p.lastIndexOf('/') + 1);
    if (backdoors.has(base)) return { kind: 'exploit', label: `web shell ${base}` };
    for (const r of inPath) {
      if (p.includes(r.needle)) {
        if (r.kind === 'exploit') return { kind: r.kind, label: r.label };
        found ??= { kind: r.kind, label: r.label };
      }
    }
    for (const r of prefix) {
      if (p.startsWith(r.needle)) {
        if (r.kind === 'exploit') return { kind: r.kind, label: r.label };
        found ??= { kind: r.kind, label: r.label };
      }
    }
    return found;
  };
}
