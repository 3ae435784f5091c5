# SessionStorePersistFile: sessions outlive a full stop and start of httpd
# (saved every SessionStorePersistInterval from the parent's monitor hook,
# and at shutdown; loaded by the first start of a new httpd).  A corrupt
# or foreign file is refused with an error log line and the server starts
# with an empty store.  Runs an httpd of its own (SIOTest::Server): the
# suite's server must not be stopped.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use File::Spec::Functions qw(catfile);
use SIOTest;
use SIOTest::Server;

my $CONF = <<'CONF';
SessionStoreSecret "persist.t: the secret of this server alone, 40+ chars"
SessionStoreCapacity 100
SessionStoreMaxPerUser 2
SessionStorePersistFile "@dir@/sessions.db"
SessionStorePersistInterval @interval@
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
<Location /logout>
    SetHandler session-store-logout
</Location>
<Location /session-status>
    SetHandler session-store-status
</Location>
<Location /socket.io/>
    AuthType SocketIO
    Require valid-user
    Header always set X-Seen-User "%{SOCKETIO_USER}e" env=SOCKETIO_USER
</Location>
CONF

sub conf_with_interval {
    (my $c = $CONF) =~ s/\@interval\@/$_[0]/;
    return $c;
}

my $srv = SIOTest::Server->new(name => 'persist', conf => conf_with_interval(1));
my $file = catfile($srv->dir, 'sessions.db');
unlink $file;
{
    open my $fh, '>', catfile($srv->dir, 'handshake.txt') or die $!;
    print $fh qq(0{"sid":"static","upgrades":[]}\n);
    close $fh;
}

sub start_ok {
    my $name = shift;
    ok $srv->start, "$name: httpd starts" or diag $srv->start_output;
}

# The user the server saw for a handshake with $cookie, or "<status>".
sub handshake_as {
    my $cookie = shift;
    my $res = sio_get($cookie, marker(), port => $srv->port);
    return $res->{status} == 200 ? header_value($res, 'X-Seen-User') // '(none)'
                                 : "<$res->{status}>";
}

sub login_on_srv {
    my $user = shift;
    my %pw = (alice => 'wonderland', bob => 'builder');
    return login_cookie($user, $pw{$user}, port => $srv->port,
                        accept => 'application/json');
}

sub refusal {
    my $cookie = shift;
    my $res = sio_get($cookie, marker(), port => $srv->port);
    my $body = decode_json($res->{body}) || {};
    return "$res->{status} " . ($body->{message} // '');
}

sub file_mode { my @st = stat $file; @st ? $st[2] & 07777 : undef }

# Header of the file: magic[8] version u32 record_size u32 count u64.
sub file_count {
    open my $fh, '<:raw', $file or return;
    read($fh, my $head, 24) == 24 or return;
    my ($magic, $count) = (substr($head, 0, 8), unpack('Q<', substr($head, 16, 8)));
    return $magic eq "SIOSESS\0" ? $count : undef;
}

sub refused_lines { count_lines($srv->error_log, qr/SessionStorePersistFile \Q$file\E refused: /) }

# ---- SessionStorePersistInterval 1: saved by the monitor, then a crash ----
start_ok('first start, no file yet');
ok !-e $file, 'no file before the first save';
my $alice = login_on_srv('alice');
is handshake_as($alice), 'alice', 'alice\'s session works';
# httpd runs the monitor hook about every 10 s.
ok wait_until(sub { -s $file }, 25), 'the parent saved the store within the interval (monitor hook)';
is file_mode(), 0600, 'the file is mode 0600';
is file_count(), 1, 'the file holds one session';

$srv->kill_all;    # no shutdown save: only the interval's save is there
ok !sio_get($alice, marker(), port => $srv->port)->{status}, 'httpd and its children are gone (SIGKILL)';

# ---- SessionStorePersistInterval 0: only at shutdown ----
$srv->set_conf(conf_with_interval(0));
start_ok('start after the crash');
like $srv->error_log, qr/1 sessions loaded from \Q$file\E/,
    'the error log says the session was loaded';
is handshake_as($alice), 'alice', 'alice\'s session survived the crash (interval save)';
is status_json(port => $srv->port)->{sessions}, 1, 'status: 1 session';

my $bob = login_on_srv('bob');
is handshake_as($bob), 'bob', 'bob logs in';
is http(path => '/logout', port => $srv->port,
        headers => [['Cookie', $alice]])->{status}, 200, 'alice logs out';
$srv->stop;
ok !http(path => '/session-status', port => $srv->port)->{status}, 'httpd stopped';
is file_mode(), 0600, 'after the stop: the file is mode 0600';
is file_count(), 1, 'after the stop: the file holds one session (bob, saved at shutdown)';

start_ok('start after a clean stop');
is handshake_as($bob), 'bob', 'bob\'s cookie still works after stop and start';
is refusal($alice), '401 No session found', 'alice\'s logged-out session stayed gone';
is_deeply [map { status_json(port => $srv->port, check => 1)->{$_} } qw(sessions consistent)],
    [1, JSON::PP::true()], 'status?check: 1 session, consistent';
$srv->stop;

# ---- a corrupt file: refused, the server starts empty ----
{
    open my $fh, '+<:raw', $file or die "$file: $!";
    seek $fh, -1, 2;
    read $fh, my $last, 1;
    seek $fh, -1, 2;
    print $fh chr(ord($last) ^ 0x55);
    close $fh;
}
my $refused = refused_lines();
start_ok('start with a corrupt file');
is refused_lines(), $refused + 1, 'the error log says the file was refused';
like $srv->error_log, qr/SessionStorePersistFile \Q$file\E refused: checksum mismatch/,
    'and why (checksum mismatch)';
is refusal($bob), '401 No session found', 'bob\'s cookie gets 401 "No session found"';
is status_json(port => $srv->port)->{sessions}, 0, 'status: the store is empty';
my $fresh = login_on_srv('alice');
is handshake_as($fresh), 'alice', 'a new login works';
$srv->stop;
is file_count(), 1, 'the stop replaced the corrupt file with a good one';

# ---- a foreign file ----
{
    open my $fh, '>', $file or die "$file: $!";
    print $fh "user,sid\nalice,0123456789\n" x 20;
    close $fh;
}
$refused = refused_lines();
start_ok('start with a foreign file');
is refused_lines(), $refused + 1, 'the error log says the foreign file was refused';
like $srv->error_log, qr/SessionStorePersistFile \Q$file\E refused: not a session file/,
    'and why (not a session file)';
is refusal($fresh), '401 No session found', 'the last session is gone (401)';
ok status_json(port => $srv->port, check => 1)->{consistent}, 'status?check: consistent';
$srv->stop;

# ---- ends after the last save survive a crash (issue #10): the journal ----
unlink $file;
$srv->set_conf(conf_with_interval(1));
start_ok('start for the journal');
my $carol = login_on_srv('alice');
my @bobs = map { login_on_srv('bob') } 1 .. 2;
ok wait_until(sub { (file_count() // 0) == 3 }, 25), 'the parent saved three sessions';
is http(path => '/logout', port => $srv->port,
        headers => [['Cookie', $carol]])->{status}, 200, 'after the save, alice logs out';
my $third = login_on_srv('bob');
is refusal($bobs[0]), '401 No session found',
    'and a third login of bob ends his oldest (SessionStoreMaxPerUser 2)';
$srv->kill_all;    # before the next save: the file still holds both
ok !http(path => '/session-status', port => $srv->port)->{status}, 'httpd SIGKILLed';
is file_count(), 3, 'the file still holds the ended sessions';
start_ok('start after the crash, with the journal');
is refusal($carol), '401 No session found', 'the logged-out session did not come back';
is refusal($bobs[0]), '401 No session found', 'nor the evicted one';
is handshake_as($bobs[1]), 'bob', 'bob\'s second session is there';
like $srv->error_log, qr/sessions loaded from \Q$file\E \(.*2 ended after the save it holds\)/,
    'the error log counts the ends replayed from the journal';
$srv->stop;

unlike $srv->error_log, qr/exit signal (?!Killed)|Segmentation/,
    'no child died on a signal of its own';

done_testing;
