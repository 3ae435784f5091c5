# Realms (issue #10, items 6 and 11): a session is bound to the realm it
# was made in, by default the virtual host's name and port (16 bytes of
# SHA-256), so two virtual hosts of one ServerName on two ports refuse
# each other's cookies; and a request from another realm does not touch
# the session: it does not keep it alive.  A server of its own, with two
# ports.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(sleep time);
use SIOTest;
use SIOTest::Server;

my $port2 = `bash -c '. "$FindBin::Bin/../../scripts/lib/common.sh" && sio_free_port'`;
chomp $port2;
my $vhost = <<'VHOST';
    ServerName same.test
    AliasMatch "^/socket\.io/" "@dir@/handshake.txt"
    <Location /login>
        SetHandler session-store-login
        SessionStoreLoginProvider file
        AuthUserFile "@t_conf@/htpasswd"
        SessionStoreLoginThrottle Off
    </Location>
    <Location /socket.io/>
        AuthType SocketIO
        Require valid-user
    </Location>
VHOST
my $srv = SIOTest::Server->new(name => 'realm', conf => <<"CONF");
SessionStoreSecret "realm.t: one secret for both ports, 40+ characters"
# Short, so that a touch (or its absence) shows within seconds.
SessionStoreIdleTimeout 4
Listen 127.0.0.1:$port2
<Directory "\@dir\@">
    Require all granted
</Directory>
<VirtualHost 127.0.0.1:\@port\@>
$vhost</VirtualHost>
<VirtualHost 127.0.0.1:$port2>
$vhost</VirtualHost>
CONF
{
    open my $fh, '>', "${\ $srv->dir}/handshake.txt" or die $!;
    print $fh qq(0{"sid":"static"}\n);
    close $fh;
}
ok $port2 =~ /^\d+$/ && $port2 != $srv->port, "a second free port ($port2)";
ok $srv->start, 'httpd starts, one ServerName on two ports' or BAIL_OUT($srv->start_output);
my $port1 = $srv->port;

sub get { sio_get($_[0], marker(), port => $_[1], host => 'same.test')->{status} }

my $c1 = login_cookie('alice', 'wonderland', port => $port1, host => 'same.test',
                      accept => 'application/json');
my $c2 = login_cookie('bob', 'builder', port => $port2, host => 'same.test',
                      accept => 'application/json');
is get($c1, $port1), 200, 'a cookie of the first port works there';
is get($c1, $port2), 401, 'and is refused on the second port';
is get($c2, $port2), 200, 'a cookie of the second port works there';
is get($c2, $port1), 401, 'and is refused on the first';
ok wait_until(sub { $srv->error_log =~ /the session belongs to another realm \(SessionStoreRealm\); not accepted here/ }, 5),
    'the error log says why';

# Only a successful lookup touches: requests from the other port do not
# keep alice's session alive.
my $c = login_cookie('alice', 'wonderland', port => $port1, host => 'same.test',
                     accept => 'application/json');
my $t0 = time;
for my $at (1, 2, 3) {
    sleep $t0 + $at - time;
    is get($c, $port2), 401, "at ${at} s: refused on the other port";
}
sleep $t0 + 5.5 - time;
is get($c, $port1), 401, 'at 5.5 s, past the idle timeout of 4 s: expired on its own port, not kept alive';
$srv->stop;
done_testing;
