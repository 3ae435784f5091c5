# session-store-admin on a server of its own (an empty store, so that
# listings are exact): users a page at a time, a user's sessions by handle
# (never the id), as JSON and as escaped HTML; revoking one session or all
# of a user's, which the cookies feel at once; cross-site POSTs refused;
# bad requests answered 4xx; the revocation log lines; the counters.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use File::Spec::Functions qw(catfile);
use SIOTest;
use SIOTest::Admin qw(handle_of sid_of basic htpasswd_line cookie_of);
use SIOTest::Server;
use SIOTest::Metrics;

my $backend = $ENV{SIO_BACKEND_PORT} or BAIL_OUT('no SIO_BACKEND_PORT');
chomp(my $moddir = `$ENV{APXS} -q LIBEXECDIR`);

# A name made to break HTML, JSON and log lines if anything forgot to
# escape it; it signs in through session-store-adopt behind Basic.
my $ODD = q{<b>"o'neil"&co</b>};

my $srv = SIOTest::Server->new(name => 'admin', conf => <<"CONF");
LoadModule auth_basic_module "$moddir/mod_auth_basic.so"
SessionStoreSecret "admin.t: the secret of this server alone, 40+ chars"
<Location /login>
    SetHandler session-store-login
    SessionStoreLoginProvider file
    AuthUserFile "\@t_conf\@/htpasswd"
    SessionStoreLoginThrottle Off
</Location>
<Location /adopt>
    SetHandler session-store-adopt
    AuthType Basic
    AuthName sso
    AuthBasicProvider file
    AuthUserFile "\@dir\@/sso.htpasswd"
    Require valid-user
</Location>
<Location /session-admin>
    SetHandler session-store-admin
    AuthType Basic
    AuthName admin
    AuthBasicProvider file
    AuthUserFile "\@dir\@/admin.htpasswd"
    Require user root
</Location>
<Location /session-status>
    SetHandler session-store-status
</Location>
<Location /socket.io/>
    AuthType SocketIO
    Require valid-user
    ProxyPass http://127.0.0.1:$backend/socket.io/ upgrade=websocket
</Location>
CONF
for ([ 'admin.htpasswd', htpasswd_line('root', 'r00t') . htpasswd_line('alice', 'wonderland') ],
     [ 'sso.htpasswd', htpasswd_line($ODD, 'odd') ]) {
    open my $fh, '>', catfile($srv->dir, $_->[0]) or die $!;
    print $fh $_->[1];
    close $fh;
}
ok $srv->start, 'a server with session-store-admin starts' or diag $srv->start_output;
my $port = $srv->port;

my $ROOT = basic('root', 'r00t');

sub admin {
    my (%a) = @_;
    my @h = ($a{auth} || $ROOT, ['Accept', $a{accept} || 'application/json'],
             @{ $a{headers} || [] });
    if (defined $a{form}) {
        push @h, ['Content-Type', $a{ctype} || 'application/x-www-form-urlencoded'];
    }
    my $res = http(method => $a{method} || (defined $a{form} ? 'POST' : 'GET'),
                   path => '/session-admin' . ($a{query} // ''), port => $port,
                   headers => \@h, body => $a{form});
    $res->{json} = decode_json($res->{body});
    return $res;
}

sub enc { my $s = shift; $s =~ s/([^A-Za-z0-9_.~-])/sprintf '%%%02X', ord $1/ge; $s }

sub passes {
    my ($cookie) = @_;
    return sio_get($cookie, marker('adm'), port => $port)->{status} == 200;
}

# ---- protected by its Require
is admin(auth => ['X-None', '1'])->{status}, 401, 'no credentials: 401';
is admin(auth => basic('alice', 'wonderland'))->{status}, 401,
    'a user Require does not name: 401';
{
    my $res = admin();
    is $res->{status}, 200, 'root: 200';
    is_deeply $res->{json}, { users => [], next => undef }, 'an empty store: no users';
}

# ---- sessions: alice twice, bob once, and the odd name through adopt
my @alice = map { login_cookie('alice', 'wonderland', port => $port) } 1 .. 2;
my $bob = login_cookie('bob', 'builder', port => $port);
my $odd;
{
    my $res = http(path => '/adopt', port => $port, headers => [basic($ODD, 'odd')]);
    is $res->{status}, 303, 'the odd name signs in through session-store-adopt';
    $odd = cookie_of($res);
    ok $odd && passes($odd), 'and its cookie passes';
}
ok passes($alice[0]), "alice's first session is the one used last";

{
    my $res = admin();
    is_deeply $res->{json}{users},
        [ { user => $ODD, sessions => 1 }, { user => 'alice', sessions => 2 },
          { user => 'bob', sessions => 1 } ],
        'users by name (byte order), with their session counts';
    is $res->{json}{next}, undef, 'one page';
    is header_value($res, 'Cache-Control'), 'no-store', 'never cached';

    my (@seen, $after);
    for my $page (1 .. 4) {
        $res = admin(query => '?limit=1' . (defined $after ? '&after=' . enc($after) : ''));
        push @seen, map { $_->{user} } @{ $res->{json}{users} };
        $after = $res->{json}{next};
        last unless defined $after;
    }
    is_deeply \@seen, [$ODD, 'alice', 'bob'], 'limit=1: three pages, each user once';
    is $after, undef, 'and the last says there is no next';
    $res = admin(query => '?after=alice');
    is_deeply [map { $_->{user} } @{ $res->{json}{users} }], ['bob'],
        'after=alice: the names after it';
}

# ---- one user's sessions
{
    my $res = admin(query => '?user=alice');
    is $res->{status}, 200, '?user=alice: 200';
    is $res->{json}{user}, 'alice', 'names the user';
    my @s = @{ $res->{json}{sessions} };
    is scalar @s, 2, 'two sessions';
    is_deeply [map { $_->{handle} } @s], [map { handle_of(sid_of($_)) } @alice],
        'by handle (a hash of the id), the one used last first';
    for my $s (@s) {
        is_deeply [sort keys %$s],
            [qw(created expires handle idle_expires last_used realm remote)],
            'handle, created, last_used, expires, idle_expires, realm, remote';
        like $s->{handle}, qr/^[A-Za-z0-9_-]{22}$/, 'a handle: 22 base64url characters';
        unlike $res->{body}, qr/\Q$_\E/, 'the id is nowhere in the answer'
            for map { sid_of($_) } @alice;
        like $s->{realm}, qr/^[0-9a-f]{32}$/, 'the realm as hex';
        is $s->{remote}, '127.0.0.1', 'the address at login';
        cmp_ok $s->{last_used}, '>=', $s->{created}, 'last used after created';
        is $s->{expires}, $s->{created} + 86400, 'expires: created + max age';
    }
    $res = admin(query => '?user=nobody');
    is_deeply $res->{json}, { user => 'nobody', sessions => [] }, 'a user without sessions';

    $res = admin(query => '?user=' . enc($ODD));
    is $res->{json}{user}, $ODD, 'the odd name, intact in JSON';
}

# ---- HTML for a browser, everything escaped
{
    my $res = admin(accept => 'text/html');
    like header_value($res, 'Content-Type'), qr{^text/html}, 'a browser gets HTML';
    unlike $res->{body}, qr/\Q$ODD\E/, 'the odd name never raw';
    like $res->{body}, qr/&lt;b&gt;&quot;o'neil&quot;&amp;co&lt;\/b&gt;/,
        'escaped as text (a quote in a double-quoted attribute needs no escape)';
    like $res->{body}, qr{href="/session-admin\?user=%3Cb%3E%22o%27neil%22%26co%3C%2Fb%3E"}i,
        'and percent-encoded in the link';
    $res = admin(accept => 'text/html', query => '?user=' . enc($ODD));
    unlike $res->{body}, qr/\Q$ODD\E/, 'its sessions page: never raw either';
    like $res->{body}, qr/name="user" value="&lt;b&gt;&quot;o'neil/,
        'the revoke form carries it escaped';
    $res = admin(accept => 'text/html', query => '?user=alice');
    like $res->{body}, qr/<form method="post" action="\/session-admin">/,
        'a revoke form per session';
    my $h = handle_of(sid_of($alice[1]));
    like $res->{body}, qr/name="handle" value="\Q$h\E"/, 'naming its handle';
    like $res->{body}, qr/End all 2 sessions of alice/, 'and one for all of them';
}

# ---- revoking
my $revoked = 0;
{
    my $h = handle_of(sid_of($alice[0]));
    my $res = admin(form => "action=revoke&handle=$h&user=alice");
    is $res->{status}, 200, 'revoke one session (handle and user): 200';
    is_deeply $res->{json}, { revoked => 1 }, '{"revoked":1}';
    $revoked += 1;
    ok !passes($alice[0]), 'that cookie is refused at once';
    ok passes($alice[1]), "alice's other session still passes";

    $h = handle_of(sid_of($alice[1]));
    $res = admin(form => "action=revoke&handle=$h");
    is_deeply $res->{json}, { revoked => 1 }, 'by handle alone (the store searches)';
    $revoked += 1;
    ok !passes($alice[1]), 'refused too';
    $res = admin(form => "action=revoke&handle=$h");
    is_deeply $res->{json}, { revoked => 0 }, 'again: nothing left to revoke';
    $res = admin(form => 'action=revoke&handle=' . handle_of(sid_of($bob)) . '&user=alice');
    is_deeply $res->{json}, { revoked => 0 }, "bob's handle under alice's name: not hers";
    ok passes($bob), 'bob untouched';

    @alice = map { login_cookie('alice', 'wonderland', port => $port) } 1 .. 3;
    $res = admin(form => 'action=revoke&user=alice');
    is_deeply $res->{json}, { revoked => 3 }, 'revoke all of a user: {"revoked":3}';
    $revoked += 3;
    ok !(grep { passes($_) } @alice), 'none of them passes';
    ok passes($bob), 'bob still does';
    is_deeply [map { $_->{user} } @{ admin()->{json}{users} }], [$ODD, 'bob'],
        'alice is no longer listed';

    $res = admin(form => 'action=revoke&user=' . enc($ODD), accept => 'text/html');
    like header_value($res, 'Content-Type'), qr{^text/html}, 'from the HTML form: a page';
    like $res->{body}, qr/1 session ended/, 'saying what it did';
    unlike $res->{body}, qr/\Q$ODD\E/, 'escaped';
    $revoked += 1;
    ok !passes($odd), 'the adopted session is gone';

    my $log = $srv->error_log;
    like $log, qr/\[session_store:notice\] .*\[client 127\.0\.0\.1:\d+\] revoked session [A-Za-z0-9_-]{22} of user alice \(session-store-admin, by root\)/,
        'log: the session, its user, the admin, the address';
    like $log, qr/\[client 127\.0\.0\.1:\d+\] revoked 3 sessions of user alice \(session-store-admin, by root\)/,
        'log: all of a user';
    like $log, qr/revoked 1 sessions of user <b>\\+"o'neil\\+"&co<\/b> \(session-store-admin/,
        'log: the odd name escaped (ap_escape_logitem, then the error log its backslash)';
}

# ---- cross-site POSTs, bad requests
{
    my $res = admin(form => 'action=revoke&user=bob',
                    headers => [['Origin', 'http://evil.example']]);
    is $res->{status}, 403, 'a POST from another Origin: 403';
    $res = admin(form => 'action=revoke&user=bob',
                 headers => [['Sec-Fetch-Site', 'cross-site']]);
    is $res->{status}, 403, 'Sec-Fetch-Site: cross-site: 403';
    ok passes($bob), 'bob was not revoked';
    like $srv->error_log, qr/revocation posted from another site refused \(Origin http:\/\/evil\.example/,
        'logged';
    $res = admin(form => 'action=revoke&user=nobody',
                 headers => [['Origin', "http://127.0.0.1:$port"],
                             ['Sec-Fetch-Site', 'same-origin']]);
    is_deeply $res->{json}, { revoked => 0 }, 'from its own origin: fine';

    my @bad = (
        [ { form => 'action=revoke&user=bob', ctype => 'text/plain' }, 415, 'not a form' ],
        [ { form => 'user=bob' }, 400, 'no action' ],
        [ { form => 'action=delete&user=bob' }, 400, 'another action' ],
        [ { form => 'action=revoke' }, 400, 'neither user nor handle' ],
        [ { form => 'action=revoke&handle=abc' }, 400, 'a handle too short' ],
        [ { form => 'action=revoke&handle=' . ('!' x 22) }, 400, 'not base64url' ],
        [ { form => 'action=revoke&user=bob&user=alice' }, 400, 'user twice' ],
        [ { form => 'action=revoke&user=%ZZ' }, 400, 'a bad escape' ],
        [ { form => 'action=revoke&user=' . ('x' x 200) }, 400, 'a user name too long' ],
        [ { query => '?limit=0' }, 400, 'limit=0' ],
        [ { query => '?limit=1001' }, 400, 'limit over 1000' ],
        [ { query => '?limit=ten' }, 400, 'limit not a number' ],
        [ { query => '?user=a&user=b' }, 400, 'user twice in the query' ],
        [ { method => 'PUT', form => '' }, 405, 'PUT' ],
    );
    for my $case (@bad) {
        my ($args, $status, $what) = @$case;
        is admin(%$args)->{status}, $status, "$what: $status";
    }
    ok passes($bob), 'bob survived all of it';
}

# ---- the counters
{
    my $m = SIOTest::Metrics::available()
        ? SIOTest::Metrics::scrape(port => $port) : undef;
    SKIP: {
        skip 'no prometheus_client', 3 unless $m;
        is SIOTest::Metrics::value($m, 'session_store_revocations_total'), $revoked,
            "revocations: $revoked";
        is SIOTest::Metrics::value($m, 'session_store_adoptions_total'), 1, 'adoptions: 1';
        is SIOTest::Metrics::value($m, 'session_store_sessions'), 1, 'bob alone is left';
    }
}

unlike $srv->error_log, qr/exit signal|AH00052/, 'no child died';
$srv->stop;
done_testing;
