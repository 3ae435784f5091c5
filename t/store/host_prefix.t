# Cookie tossing (issue #17): a cookie planted from a sibling subdomain
# with a longer Path comes first and wins, as in express.  A __Host- name
# (SessionStoreCookieName __Host-sid, with Secure and Path=/, no Domain)
# is one no other host can set: browsers refuse it without those
# attributes, and the configuration check refuses them missing
# (tests/conf).  Here, over https (mod_ssl, a CA and a certificate made by
# this test), the login sets __Host-sid as a browser requires and the
# session works with it.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use File::Spec::Functions qw(catfile);
use SIOTest;
use SIOTest::Server;

eval { require IO::Socket::SSL; 1 } or plan skip_all => 'IO::Socket::SSL is not installed';
my $moddir = `bash -c '. "$FindBin::Bin/../../scripts/lib/common.sh" >/dev/null 2>&1; echo \$SIO_HTTPD_MODDIR'`;
chomp $moddir;
plan skip_all => "no mod_ssl in '$moddir'" unless -f "$moddir/mod_ssl.so";

my $srv = SIOTest::Server->new(name => 'hostprefix', conf => <<"CONF");
LoadModule ssl_module $moddir/mod_ssl.so
SSLEngine on
SSLCertificateFile "\@dir\@/server.crt"
SSLCertificateKeyFile "\@dir\@/server.key"
SessionStoreSecret "host_prefix.t: the secret of this server alone, 40+"
SessionStoreCookieName __Host-sid
SessionStoreCookieAttributes "Secure; Path=/; HttpOnly; SameSite=Lax"
AliasMatch "^/socket\\.io/" "\@dir\@/handshake.txt"
<Directory "\@dir\@">
    Require all granted
</Directory>
<Location /login>
    SetHandler session-store-login
    SessionStoreLoginProvider file
    AuthUserFile "\@t_conf\@/htpasswd"
</Location>
<Location /socket.io/>
    AuthType SocketIO
    Require valid-user
    Header always set X-Seen-User "%{SOCKETIO_USER}e" env=SOCKETIO_USER
</Location>
CONF
my $dir = $srv->dir;

# A CA and a server certificate for 127.0.0.1, made here.
{
    my $run = sub { system("@{[ map { quotemeta } @_ ]} 2>/dev/null") == 0 or die "@_ failed\n" };
    $run->('openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
           '-subj', '/CN=host_prefix.t test CA', '-keyout', "$dir/ca.key",
           '-out', "$dir/ca.crt");
    open my $ext, '>', "$dir/san.ext" or die $!;
    print $ext "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
    close $ext;
    $run->('openssl', 'req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1',
           '-keyout', "$dir/server.key", '-out', "$dir/server.csr");
    $run->('openssl', 'x509', '-req', '-in', "$dir/server.csr", '-CA', "$dir/ca.crt",
           '-CAkey', "$dir/ca.key", '-CAcreateserial', '-days', '2',
           '-extfile', "$dir/san.ext", '-out', "$dir/server.crt");
    chmod 0644, "$dir/server.key";    # httpd reads it as the test user
    open my $fh, '>', catfile($dir, 'handshake.txt') or die $!;
    print $fh qq(0{"sid":"static"}\n);
    close $fh;
}
ok $srv->start, 'httpd with mod_ssl starts' or BAIL_OUT($srv->start_output);
my $port = $srv->port;

# One request over TLS, the server's certificate checked against the CA.
sub https {
    my (%a) = @_;
    my $sock = IO::Socket::SSL->new(
        PeerAddr => '127.0.0.1', PeerPort => $port, Timeout => 10,
        SSL_ca_file => "$dir/ca.crt", SSL_verify_mode => IO::Socket::SSL::SSL_VERIFY_PEER(),
        SSL_verifycn_scheme => 'http', SSL_verifycn_name => '127.0.0.1',
    ) or return { status => 0, error => IO::Socket::SSL::errstr() };
    my $body = $a{body} // '';
    my $req = "$a{method} $a{path} HTTP/1.1\r\nHost: 127.0.0.1:$port\r\nConnection: close\r\n";
    $req .= "$_->[0]: $_->[1]\r\n" for @{ $a{headers} || [] };
    $req .= "Content-Length: " . length($body) . "\r\n" if length $body;
    print $sock "$req\r\n$body";
    local $/;
    my $res = <$sock> // '';
    close $sock;
    my ($head, $rest) = split /\r\n\r\n/, $res, 2;
    my ($status) = ($head // '') =~ m{^HTTP/1\.\d (\d+)};
    my @headers = map { /^([^:]+):\s*(.*)$/ ? [$1, $2] : () } split /\r\n/, $head // '';
    return { status => ($status // 0) + 0, headers => \@headers, body => $rest };
}

my $res = https(method => 'POST', path => '/login',
                headers => [['Content-Type', 'application/x-www-form-urlencoded'],
                            ['Accept', 'application/json']],
                body => 'username=alice&password=wonderland');
is $res->{status}, 200, 'login over https: 200' or diag $res->{error};
my ($set) = map { $_->[1] } grep { lc $_->[0] eq 'set-cookie' && $_->[1] =~ /^__Host-sid=/ } @{ $res->{headers} };
ok $set, 'Set-Cookie: __Host-sid=...';
like $set // '', qr/;\s*Secure(;|$)/i, 'with Secure';
like $set // '', qr/;\s*Path=\/(;|$)/, 'with Path=/';
unlike $set // '', qr/;\s*Domain=/i, 'without Domain';
my ($cookie) = ($set // '') =~ /^(__Host-sid=[^;]+)/;
my $hs = https(method => 'GET', path => '/socket.io/?EIO=4&transport=polling',
               headers => [['Cookie', $cookie // '']]);
is $hs->{status}, 200, 'a handshake with the __Host- cookie: 200';
is((map { $_->[1] } grep { $_->[0] eq 'X-Seen-User' } @{ $hs->{headers} })[0], 'alice', 'as alice');
is https(method => 'GET', path => '/socket.io/?EIO=4&transport=polling',
         headers => [['Cookie', 'express.sid=' . (($cookie // '') =~ s/^__Host-sid=//r)]])->{status},
    401, 'the same value under another name is not the session cookie';
$srv->stop;
done_testing;
