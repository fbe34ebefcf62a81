<?php
// Runs code read from stdin the way pfSense's xmlrpc.php exec_php does (eval inside a method, return $toreturn or
// true), with the pfSense stub loaded, and prints {"r": <returned value>} as JSON on the last line of stdout.
require_once(__DIR__ . '/pfsense-stub.php');
function pfsense_fake_exec_php($code) {
  $toreturn = null;
  eval($code);
  return $toreturn ?? true;
}
$code = stream_get_contents(STDIN);
$r = pfsense_fake_exec_php($code);
echo "\n", json_encode(['r' => $r]), "\n";
