# "A child killed with SIGKILL while holding the store lock must not wedge
# the others."  Several client processes log in and make handshakes, and
# one walks the whole table under its lock (status ?check, slow on a big
# table: the likeliest moment to die holding the lock), while this process
# SIGKILLs httpd's children one after another.  ?check is paced by the
# store (a walk of d, then none for 20 d), so the checker tells the killer
# when it sends its first two checks and every other one after, and the
# killer kills every child 25 ms later, in the middle of that walk.  Then
# the server must answer, logins and handshakes must work, and the table
# must be consistent.  Runs an httpd of its own (SIOTest::Server).
# Bounded: about 8 s of load, 25 s at most in all.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use File::Spec::Functions qw(catfile);
use JSON::PP ();
use POSIX ();
use Time::HiRes qw(sleep time);
use SIOTest;
use SIOTest::Server;

my $LOAD_SECONDS = 8;
my $KILL_EVERY = 0.35;
my $SLOW = 4;           # a request slower than this counts as hung
my %PW = (alice => 'wonderland', bob => 'builder');

my $srv = SIOTest::Server->new(name => 'crash', conf => <<'CONF');
SessionStoreSecret "crash.t: the secret of this server alone, 40+ chars"
# Big (252 MiB), so that ?check holds the lock long enough (some 70 ms)
# to be killed in it.
SessionStoreCapacity 1000000
AliasMatch "^/socket\.io/" "@dir@/handshake.txt"
<Directory "@dir@">
    Require all granted
</Directory>
<Location /login>
    SetHandler session-store-login
    SessionStoreLoginProvider file
    AuthUserFile "@t_conf@/htpasswd"
    SessionStoreLoginThrottle Off
</Location>
<Location /session-status>
    SetHandler session-store-status
</Location>
<Location /socket.io/>
    AuthType SocketIO
    Require valid-user
    Header always set X-Seen-User "%{SOCKETIO_USER}e" env=SOCKETIO_USER
</Location>
<IfModule mpm_event_module>
    StartServers         3
    ServerLimit          8
    ThreadsPerChild      8
    MinSpareThreads      16
    MaxSpareThreads      64
    MaxRequestWorkers    64
</IfModule>
CONF
{
    open my $fh, '>', catfile($srv->dir, 'handshake.txt') or die $!;
    print $fh qq(0{"sid":"static","upgrades":[]}\n);
    close $fh;
}
ok $srv->start, 'httpd starts' or BAIL_OUT('cannot start httpd: ' . $srv->start_output);
my $port = $srv->port;
my $CHECK_SENT = catfile($srv->dir, 'check-sent');

# ---- the clients ----
# Each writes a JSON summary to a file and leaves with _exit: no END block
# (Test::More's, SIOTest::Server's) may run in a fork.
sub client {
    my ($kind, $n, $deadline) = @_;
    my %r = (kind => $kind, ok => 0, cut => 0, hung => 0, unexpected => [],
             max_seconds => 0, logins => 0);
    my $timed = sub {
        my $t0 = time;
        my $res = shift->();
        my $dt = time - $t0;
        $r{max_seconds} = $dt if $dt > $r{max_seconds};
        $r{hung}++ if $dt > $SLOW;
        $r{cut}++ if !$res->{status};
        return $res;
    };
    my $odd = sub {
        my ($what, $res) = @_;
        push @{ $r{unexpected} }, "$what: $res->{status} "
            . substr($res->{body} // '', 0, 120) if @{ $r{unexpected} } < 5;
    };
    my ($checks, $pace) = (0, 0);
    while (time < $deadline) {
        if ($kind eq 'check') {
            sleep $pace;
            if (($checks < 2 || $checks % 2 == 0) && open my $fh, '>', "$CHECK_SENT.new") {
                print $fh time, "\n";
                close $fh;
                rename "$CHECK_SENT.new", $CHECK_SENT;
            }
            $checks++;
            my $t0 = time;
            my $res = $timed->(sub { http(path => '/session-status?check', port => $port,
                                          headers => [['Accept', 'application/json']],
                                          timeout => 8) });
            $pace = 21 * (time - $t0) + 0.05;
            next unless $res->{status};
            my $st = decode_json($res->{body});
            if ($res->{status} == 200 && $st && $st->{consistent}) { $r{ok}++ }
            elsif ($res->{status} == 200 && $st && !defined $st->{consistent}
                   && ($st->{check_error} // '') =~ /next in \d+ s/) { $r{paced}++; $pace = 0.2 }
            else { $odd->('status?check', $res) }
            next;
        }
        my $user = $n % 2 ? 'alice' : 'bob';
        my $res = $timed->(sub { login($user, $PW{$user}, port => $port,
                                       accept => 'application/json', timeout => 8) });
        next unless $res->{status};
        my ($cookie) = map { /^(express\.sid=[^;]+)/ ? $1 : () } set_cookies($res);
        unless ($res->{status} == 200 && $cookie) {
            $odd->("login of $user", $res);
            next;
        }
        $r{logins}++;
        for (1 .. 3) {
            my $hs = $timed->(sub { sio_get($cookie, "c$n", port => $port, timeout => 8) });
            next unless $hs->{status};
            if ($hs->{status} == 200 && (header_value($hs, 'X-Seen-User') // '') eq $user
                && $hs->{body} =~ /^0\{"sid"/) {
                $r{ok}++;
            }
            else {
                $odd->("handshake of $user", $hs);
            }
        }
    }
    return \%r;
}

my $deadline = time + $LOAD_SECONDS;
my (%alive, @outs);
for my $i (0 .. 3) {
    my $kind = $i == 3 ? 'check' : 'handshake';
    my $out = catfile($srv->dir, "client-$i.json");
    unlink $out;
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        my $r = eval { client($kind, $i, $deadline) } || { error => "$@" };
        if (open my $fh, '>', $out) {
            print $fh JSON::PP->new->encode($r);
            close $fh;
        }
        POSIX::_exit(0);
    }
    $alive{$pid} = 1;
    push @outs, $out;
}

# ---- the killer ----
my ($kills, $no_child, $check_kills, $seen_check, $next_kill) = (0, 0, 0, 0, time + $KILL_EVERY);
my %killed;
while (time < $deadline) {
    sleep 0.01;
    my $sent = (read_file($CHECK_SENT) // '') =~ /^([\d.]+)/ ? $1 : 0;
    if ($sent > $seen_check && time >= $sent + 0.025) {
        $seen_check = $sent;
        for my $child (grep { !$killed{$_} } $srv->children) {
            if (kill 'KILL', $child) {
                $kills++;
                $killed{$child} = 1;
            }
        }
        $check_kills++;
        next;
    }
    next if time < $next_kill;
    $next_kill = time + $KILL_EVERY;
    my @children = grep { !$killed{$_} } $srv->children;
    unless (@children) {
        $no_child++;
        next;
    }
    my $victim = $children[int rand @children];
    if (kill 'KILL', $victim) {
        $kills++;
        $killed{$victim} = 1;
    }
}

# The clients stop at the deadline; a request may take $SLOW + a little.
my $wait_until = time + 15;
while (%alive && time < $wait_until) {
    my $pid = waitpid(-1, POSIX::WNOHANG());
    if ($pid > 0) {
        delete $alive{$pid};
        next;
    }
    sleep 0.1;
}
{
    my @left = keys %alive;
    ok !@left, 'every client finished in time (none stuck on the server)';
    kill 'KILL', @left if @left;
    waitpid($_, 0) for @left;
}

my @results;
for my $out (@outs) {
    my $text = read_file($out);
    push @results, decode_json($text) || { error => "no summary in $out" };
}
diag sprintf '%d children killed in %d s; %s', $kills, $LOAD_SECONDS,
    join '; ', map { sprintf '%s: %d ok, %d cut, %d paced, %d logins, slowest %.2f s',
                     $_->{kind} // '?', $_->{ok} // 0, $_->{cut} // 0, $_->{paced} // 0,
                     $_->{logins} // 0, $_->{max_seconds} // 0 } @results;
cmp_ok $kills, '>=', 8, 'children were SIGKILLed repeatedly under load';
is_deeply [map { $_->{error} // () } @results], [], 'every client reported';
is_deeply [map { @{ $_->{unexpected} || [] } } @results], [],
    'no answer other than success or a cut connection (no 5xx, no lost session, never inconsistent)';
is_deeply [map { $_->{hung} // 0 } @results], [(0) x @results],
    "no request took more than $SLOW s (nothing waited on a dead child's lock)";
my ($hs) = grep { ($_->{kind} // '') eq 'handshake' } @results;
cmp_ok((eval { $hs->{ok} } // 0), '>', 5, 'handshakes kept succeeding during the kills');
my ($ck) = grep { ($_->{kind} // '') eq 'check' } @results;
cmp_ok((eval { $ck->{ok} } // 0), '>=', 1, 'status?check kept answering "consistent" during the kills');
cmp_ok $check_kills, '>=', 1, 'every child was killed in the middle of a check at least once';

# ---- afterwards ----
ok wait_until(sub { http(path => '/session-status', port => $port)->{status} == 200 }, 10),
    'the server answers';
my $res = login('alice', 'wonderland', port => $port, accept => 'application/json');
is $res->{status}, 200, 'a login works';
my ($cookie) = map { /^(express\.sid=[^;]+)/ ? $1 : () } set_cookies($res);
my $hs_after = sio_get($cookie, 'after', port => $port);
is $hs_after->{status}, 200, 'a handshake with it works';
is header_value($hs_after, 'X-Seen-User'), 'alice', 'as alice';
my $st = status_json(port => $port, check => 1);
is $st && $st->{consistent}, JSON::PP::true(), 'status?check: "consistent":true'
    or diag explain $st;
diag "status after the kills: repairs $st->{repairs}, sessions $st->{sessions}, "
     . "logins $st->{logins}" if $st;
# A repair is counted when a lock holder was found dead: the kills in the
# middle of a check hit the case this test is about.
cmp_ok $st && $st->{repairs}, '>=', 1,
    'the store repaired its lock after a holder died (the case under test happened)';
my @signals = $srv->error_log =~ /exit signal (\w+)/g;
is_deeply [grep { $_ ne 'Killed' } @signals], [],
    'children died of our SIGKILL only (no crash of their own)';
unlike $srv->error_log, qr/consistency check failed/, 'no failed consistency check in the error log';

$srv->stop;
done_testing;
