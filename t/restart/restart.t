# Sessions outlive "-k graceful" (SIGUSR1) and "-k restart" (SIGHUP): the
# store is kept in the process pool, not the configuration pool that every
# reload throws away (mod_auth_openidc #657, mod_auth_mellon #36).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(sleep);
use SIOTest;

my $pidfile = test_var('t_pid_file');

sub httpd_pid {
    open my $fh, '<', $pidfile or return;
    my $pid = <$fh>;
    close $fh;
    chomp $pid if defined $pid;
    return $pid;
}

sub generations { scalar(() = error_log() =~ /resuming normal operations/g) }

# Signal the parent and wait until the next generation serves requests.
sub restart_with {
    my ($signal) = @_;
    my $pid = httpd_pid();
    my $before = generations();
    ok $pid && kill($signal, $pid), "SIG$signal sent to httpd $pid";
    ok wait_until(sub { generations() > $before }, 20),
        "SIG$signal: httpd logged a new generation";
    ok wait_until(sub { http(path => '/session-status')->{status} == 200 }, 20),
        "SIG$signal: the new generation answers";
    is httpd_pid(), $pid, "SIG$signal: the same parent process";
}

my $alice = login_cookie('alice', 'wonderland');
my $bob = login_cookie('bob', 'builder');
is sio_get($alice, marker())->{status}, 200, 'alice\'s session works before';
my $sessions = status_json()->{sessions};

restart_with('USR1');    # -k graceful
{
    my $m = marker();
    my $res = sio_get($alice, $m);
    is $res->{status}, 200, 'after a graceful restart: alice\'s session still works';
    my ($rec) = backend_requests($m);
    is_deeply [backend_headers($rec || { headers => [] }, 'X-Socketio-User')], ['alice'],
        'after a graceful restart: still as alice';
    cmp_ok status_json()->{sessions}, '>=', $sessions,
        'after a graceful restart: the store kept its sessions';
}

restart_with('HUP');     # -k restart
{
    my $m = marker('ws');
    my $ws = ws_connect(cookie => $bob, marker => $m);
    is $ws->{status}, 101, 'after a restart: bob\'s WebSocket upgrade passes';
    is header_value($ws, 'X-Echo-Socketio-User'), 'bob', 'after a restart: as bob';
    close $ws->{sock} if $ws->{sock};
    is sio_get($alice, marker())->{status}, 200, 'after a restart: alice\'s session too';
    cmp_ok status_json()->{sessions}, '>=', $sessions,
        'after a restart: the store kept its sessions';

    my $fresh = login_cookie('alice', 'wonderland');
    is sio_get($fresh, marker())->{status}, 200, 'a login after the restarts works';
    my $gone = marker();
    http(path => '/logout', headers => [['Cookie', $fresh]]);
    refused_ok(sio_get($fresh, $gone), 401, 'No session found', $gone,
               'and its logout too');
}

ok server_alive(), 'the server is alive and no child died';

done_testing;
