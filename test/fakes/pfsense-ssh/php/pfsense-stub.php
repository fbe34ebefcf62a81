<?php
// Stand-in for the parts of pfSense's PHP library the Palisade snippets call (config.lib.inc, util.inc, filter.inc),
// over a JSON file in $PFSENSE_FAKE_DIR: config.json = {"config": {...}, "writes": n, "reloads": n, "dirty": [...]}.
// filter_configure() rebuilds the runtime tables ($PFSENSE_FAKE_DIR/tables/<alias>) from the aliases, as a pfSense
// filter reload does, so runtime-only pfctl additions vanish on reload here too; with a file `filter-load-error` in
// the directory the reload fails and the old tables stay (config.xml and pf then differ). Filter rules live in
// config.filter.rule, in config.xml's shape.
if (!defined('PFSENSE_FAKE_STUB')) {
  define('PFSENSE_FAKE_STUB', 1);
  $GLOBALS['pfsense_fake_dir'] = getenv('PFSENSE_FAKE_DIR') ?: '';
  if ($GLOBALS['pfsense_fake_dir'] === '' || !is_dir($GLOBALS['pfsense_fake_dir'])) {
    fwrite(STDERR, "pfsense-stub: PFSENSE_FAKE_DIR is not a directory\n");
    exit(70);
  }
  // pfSense serialises config writers (config lock, xmlrpc lock); hold an exclusive lock for the whole script.
  $GLOBALS['pfsense_fake_lock'] = fopen($GLOBALS['pfsense_fake_dir'] . '/config.lock', 'c');
  flock($GLOBALS['pfsense_fake_lock'], LOCK_EX);
  $GLOBALS['pfsense_fake_state'] = json_decode(@file_get_contents($GLOBALS['pfsense_fake_dir'] . '/config.json') ?: '{}', true) ?: [];
  $GLOBALS['config'] = $GLOBALS['pfsense_fake_state']['config'] ?? [];

  function pfsense_fake_save() {
    $st = $GLOBALS['pfsense_fake_state'];
    $st['config'] = $GLOBALS['config'];
    $tmp = $GLOBALS['pfsense_fake_dir'] . '/config.json.tmp';
    file_put_contents($tmp, json_encode($st, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES));
    rename($tmp, $GLOBALS['pfsense_fake_dir'] . '/config.json');
    $GLOBALS['pfsense_fake_state'] = $st;
  }

  function config_get_path($path, $default = null) {
    $node = $GLOBALS['config'];
    foreach (explode('/', $path) as $part) {
      if (!is_array($node) || !array_key_exists($part, $node)) return $default;
      $node = $node[$part];
    }
    return $node;
  }

  function config_set_path($path, $value, $default = null) {
    $node = &$GLOBALS['config'];
    foreach (explode('/', $path) as $part) {
      if (!isset($node[$part]) || !is_array($node[$part])) $node[$part] = [];
      $node = &$node[$part];
    }
    $node = $value;
    return $value;
  }

  function write_config($desc = 'Unknown', $backup = true, $write_config_only = false) {
    $GLOBALS['pfsense_fake_state']['writes'] = ($GLOBALS['pfsense_fake_state']['writes'] ?? 0) + 1;
    $GLOBALS['pfsense_fake_state']['lastWriteDesc'] = $desc;
    pfsense_fake_save();
    return true;
  }

  function mark_subsystem_dirty($s) {
    $d = $GLOBALS['pfsense_fake_state']['dirty'] ?? [];
    if (!in_array($s, $d, true)) $d[] = $s;
    $GLOBALS['pfsense_fake_state']['dirty'] = $d;
    pfsense_fake_save();
  }

  function clear_subsystem_dirty($s) {
    $GLOBALS['pfsense_fake_state']['dirty'] = array_values(array_diff($GLOBALS['pfsense_fake_state']['dirty'] ?? [], [$s]));
    pfsense_fake_save();
  }

  function filter_configure() {
    $GLOBALS['pfsense_fake_state']['reloads'] = ($GLOBALS['pfsense_fake_state']['reloads'] ?? 0) + 1;
    // Fault injection: pfctl refuses the new ruleset, so pf keeps the old one and the old tables (config.xml moved on).
    $err = @file_get_contents($GLOBALS['pfsense_fake_dir'] . '/filter-load-error');
    if ($err !== false) {
      $GLOBALS['pfsense_fake_state']['notices'][] = 'There were error(s) loading the rules: ' . trim($err);
      pfsense_fake_save();
      return 1;
    }
    $tables = $GLOBALS['pfsense_fake_dir'] . '/tables';
    if (!is_dir($tables)) mkdir($tables, 0700, true);
    foreach (config_get_path('aliases/alias', []) as $a) {
      if (!in_array($a['type'] ?? '', ['host', 'network'], true)) continue;
      $addr = trim((string)($a['address'] ?? ''));
      $lines = $addr === '' ? [] : array_map(function ($x) { return preg_replace('#/(32|128)$#', '', $x); }, preg_split('/\s+/', $addr));
      file_put_contents("$tables/{$a['name']}", $lines ? implode("\n", $lines) . "\n" : '');
    }
    pfsense_fake_save();
    return 0;
  }
}
