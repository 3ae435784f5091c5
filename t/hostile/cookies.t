# Hostile session cookies on the Socket.IO scope: each one gets a 4xx,
# never a 5xx, never a pass, never reaches the backend, and the server
# keeps running.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SIOTest;

# The signing helper matches the vector of the README's wire format (cookie-signature
# 1.2), so the cookies forged below are well formed where they mean to be.
is sign_value('keyboard cat', 'abc'), 's:abc.BpxCrWRpvZMh/wk/djl34N+m+VQEU7K/5WenLwJCgFU',
    'sign_value matches the cookie-signature vector';
is cookie_header('keyboard cat', 'abc'),
    'express.sid=s%3Aabc.BpxCrWRpvZMh%2Fwk%2Fdjl34N%2Bm%2BVQEU7K%2F5WenLwJCgFU',
    'cookie_header matches the cookie-signature wire form';

my $alice = login_cookie('alice', 'wonderland');
my ($wire) = $alice =~ /^express\.sid=(.+)$/;          # s%3A<id>.<sig>
my ($id, $sig_wire) = $wire =~ /^s%3A([^.]+)\.(.+)$/;
(my $sig = $sig_wire) =~ s/%([0-9A-F]{2})/chr hex $1/ge;  # 43 base64 chars
my $dots_sig = sign_value(SECRET_OLD, 'a.b.c.d');
# A signed id whose signature has '+' or '/', to send it base64url.
my ($url_id, $url_sig);
for (1 .. 200) {
    $url_id = random_sid();
    ($url_sig) = sign_value(SECRET_OLD, $url_id) =~ /\.([^.]+)$/;
    last if $url_sig =~ m{[+/]};
}

# [name, Cookie header value(s), reason or undef for "any 4xx"]
# Several values mean several Cookie header lines.
my @cases = (
    ['an empty Cookie header',              [''],                          'No session cookie'],
    ['an empty value',                      ['express.sid='],              'Malformed session cookie'],
    ['empty quotes',                        ['express.sid=""'],            'Malformed session cookie'],
    ['an unbalanced quote',                 ["express.sid=\"$wire"],       'Malformed session cookie'],
    ['the name in another case',            ["Express.SID=$wire"],         'No session cookie'],
    ['a junk first, the valid one second',  ["express.sid=junk; $alice"],  'Malformed session cookie'],
    ['two Cookie headers, junk first',      ['express.sid=junk', $alice],  'Malformed session cookie'],
    ['a forged one first, the valid second',
     [cookie_header('forged', $id) . "; $alice"],                          'Bad signature'],
    ['"s:" with no dot',                    ['express.sid=s%3Aabc'],       'Malformed session cookie'],
    ['"s:" raw with no dot',                ['express.sid=s:abc'],         'Malformed session cookie'],
    ['"s:" alone',                          ['express.sid=s%3A'],          'Malformed session cookie'],
    ['"s:." alone',                         ['express.sid=s%3A.'],         'Malformed session cookie'],
    ['no "s:" prefix',                      ["express.sid=$id.$sig_wire"], 'Malformed session cookie'],
    ['"S:" upper case',                     ["express.sid=S%3A$id.$sig_wire"], 'Malformed session cookie'],
    ['many dots, garbage signature',        ['express.sid=s%3Aa.b.c.d.e.f.g'], 'Malformed session cookie'],
    ['many dots, a signature of the right length',
     ['express.sid=s%3A' . ('a.' x 50) . ('A' x 43)],                      'Bad signature'],
    ['many dots, validly signed (not an id of ours)',
     ['express.sid=' . wire_value($dots_sig)],                             'No session found'],
    ['a signature one character short',     ["express.sid=s%3A$id." . substr($sig, 0, 42)], 'Malformed session cookie'],
    ['a signature one character long',      ["express.sid=s%3A$id.${sig}A"], 'Malformed session cookie'],
    ['a signature with "=" padding',        ["express.sid=s%3A$id.$sig%3D"], 'Malformed session cookie'],
    ['a non-base64 signature',              ["express.sid=s%3A$id." . ('!' x 43)], 'Bad signature'],
    ['a base64url signature',               ["express.sid=s%3A$url_id." . ($url_sig =~ tr{+/}{-_}r)],
     'Bad signature'],
    ['a percent-encoded control byte',      ["express.sid=s%3A%01$id.$sig_wire"], 'Bad signature'],
    ['a percent-encoded NUL',               ["express.sid=s%3A$id%00.$sig_wire"], 'Malformed session cookie'],
    ['a raw control byte',                  ["express.sid=s:\x01$id.$sig"], undef],
    ['a raw DEL',                           ["express.sid=s:$id\x7f.$sig"], undef],
    ['an invalid escape %ZZ',               ["express.sid=s%3A$id%ZZ.$sig_wire"], 'Malformed session cookie'],
    ['a truncated escape',                  ["express.sid=s%3A$id.$sig_wire%4"], 'Malformed session cookie'],
    ['a lone percent',                      ['express.sid=%'],            'Malformed session cookie'],
    ['overlong UTF-8 for "."',              ["express.sid=s%3A$id%C0%AE$sig_wire"], 'Malformed session cookie'],
    # decodeURIComponent refuses it, so npm cookie (and the module) read
    # the value undecoded: no "s:".
    ['overlong UTF-8 in the id',            ["express.sid=s%3A%C0%AE%C0%AE.$sig_wire"], 'Malformed session cookie'],
    ['raw 8-bit bytes',                     ["express.sid=s:\xc0\xae$id.$sig"], undef],
    ['a valid signature over an id not in the store',
     [cookie_header(SECRET_OLD, random_sid())],                             'No session found'],
    ['a valid signature over an empty id',
     ['express.sid=' . wire_value(sign_value(SECRET_OLD, ''))],             'No session found'],
    ['a valid signature over a 300-byte id',
     [cookie_header(SECRET_OLD, 'x' x 300)],                                'Malformed session cookie'],
    ['the real id signed with a removed secret',
     [cookie_header('apache-test secret that was removed long ago', $id)], 'Bad signature'],
    ['the real id in another case',         ["express.sid=s%3A\U$id\E.$sig_wire"], 'Bad signature'],
    ['a 600-byte value',                    ['express.sid=s%3A' . ('A' x 600)], 'Malformed session cookie'],
    ['500 other cookies',                   [join '; ', map { "c$_=v$_" } 1 .. 500], 'No session cookie'],
    ['a Cookie header over LimitRequestFieldSize', ['express.sid=' . ('a' x 9000)], 'httpd 400'],
);

for my $case (@cases) {
    my ($name, $values, $reason) = @$case;
    my $m = marker();
    my $res = sio_get(undef, $m, headers => [map { ['Cookie', $_] } @$values]);
    if (!defined $reason) {
        ok $res->{status} >= 400 && $res->{status} < 500,
            "$name: a 4xx (got $res->{status})";
        ok !backend_requests($m), "$name: not proxied";
    }
    elsif ($reason eq 'httpd 400') {
        is $res->{status}, 400, "$name: 400 from httpd";
        ok !backend_requests($m), "$name: not proxied";
    }
    else {
        refused_ok($res, 401, $reason, $m, $name);
    }
}

# The same kind of cookies on the WebSocket upgrade.
my %upgrade_too = map { $_ => 1 } ('an empty Cookie header',
    'a junk first, the valid one second', '"s:" with no dot',
    'many dots, a signature of the right length', 'a non-base64 signature',
    'a valid signature over an id not in the store');
for my $case (grep { $upgrade_too{ $_->[0] } } @cases) {
    my ($name, $values, $reason) = @$case;
    my $m = marker('ws');
    my $res = ws_connect(marker => $m, headers => [map { ['Cookie', $_] } @$values]);
    refused_ok($res, 401, $reason, $m, "upgrade, $name");
}

# Request shapes httpd itself must refuse before any module runs.
for my $raw (["a blank request line", " \r\n\r\n"],
             ["a method alone", "GET\r\n\r\n"],
             ["HTTP/1.1 without Host", "GET /socket.io/ HTTP/1.1\r\nConnection: close\r\n\r\n"],
             ["a header line without a colon", "GET /socket.io/ HTTP/1.1\r\nHost: x\r\nCookie express.sid=x\r\nConnection: close\r\n\r\n"]) {
    my $res = http(raw => $raw->[1]);
    ok $res->{status} >= 400 && $res->{status} < 500, "$raw->[0]: a 4xx (got $res->{status})";
}
{
    my $m = marker();
    my $res = http(raw => "GET /socket.io/?t=$m HTTP/1.0\r\n\r\n");
    refused_ok($res, 401, 'No session cookie', $m, 'HTTP/1.0 with no header at all');
}

# What express-session also accepts passes here too (compatibility).
for my $ok (['the cookie in quotes', "express.sid=\"$wire\""],
            ['spaces around the cookie', "a=1;  $alice  ; b=2"],
            ['the valid one first, junk second', "$alice; express.sid=junk"],
            ['the value not percent-encoded', "express.sid=s:$id.$sig"]) {
    my $m = marker();
    is sio_get($ok->[1], $m)->{status}, 200, "$ok->[0]: passes";
}

ok server_alive(), 'the server is alive and no child died';

done_testing;
