<?php
// PHP's Fibers, each on a stack of its own mapping ward is never told of:
// a new Fiber per round, and one kept from before resumed. At most KEEP
// are kept (0: all). Prints a checksum.
// Usage: php fibers.php [ROUNDS] [KEEP]
$rounds = (int)($argv[1] ?? 2000);
$keep = (int)($argv[2] ?? 50);
$fs = []; $t = 0;
for ($i = 0; $i < $rounds; $i++) {
    $f = new Fiber(function ($x) { while (true) $x = Fiber::suspend(str_repeat("y", $x % 64)); });
    $t += strlen($f->start($i));
    $fs[] = $f;
    if ($keep && count($fs) > $keep) array_shift($fs);
    $t += strlen($fs[$i % count($fs)]->resume($i));
}
echo "$t\n";
