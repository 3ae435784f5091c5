# session-store-adopt: a session for the user another module authenticated,
# answered as a login is.  Behind mod_auth_basic (redirects, JSON, a
# session the client had replaced, a scope where nobody authenticated the
# request), and behind client certificates over TLS (mod_ssl, SSLUserName,
# a CA made here): the session then carries sockets through AuthType
# SocketIO.  Both on servers of their own.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use File::Spec::Functions qw(catfile);
use SIOTest;
use SIOTest::Admin qw(basic htpasswd_line cookie_of);
use SIOTest::Server;

my $backend = $ENV{SIO_BACKEND_PORT} or BAIL_OUT('no SIO_BACKEND_PORT');
chomp(my $moddir = `$ENV{APXS} -q LIBEXECDIR`);

sub spew {
    my ($file, $text) = @_;
    open my $fh, '>', $file or die "$file: $!";
    print $fh $text;
    close $fh;
}

# ---- behind AuthType Basic
my $basic = SIOTest::Server->new(name => 'adopt-basic', conf => <<"CONF");
LoadModule auth_basic_module "$moddir/mod_auth_basic.so"
SessionStoreSecret "adopt.t: the secret of the Basic server, 40+ chars"
<Location /sso/adopt>
    SetHandler session-store-adopt
    AuthType Basic
    AuthName sso
    AuthBasicProvider file
    AuthUserFile "\@dir\@/sso.htpasswd"
    Require valid-user
    SessionStoreLoginRedirect /chat.html
</Location>
# A mistake: the handler where no module authenticates anyone.
<Location /open/adopt>
    SetHandler session-store-adopt
</Location>
<Location /whoami>
    SetHandler session-store-whoami
</Location>
<Location /socket.io/>
    AuthType SocketIO
    Require valid-user
    ProxyPass http://127.0.0.1:$backend/socket.io/ upgrade=websocket
</Location>
CONF
spew(catfile($basic->dir, 'sso.htpasswd'), htpasswd_line('dave', 'd4ve'));
ok $basic->start, 'a server with session-store-adopt behind Basic starts'
    or diag $basic->start_output;
my $port = $basic->port;
my $DAVE = basic('dave', 'd4ve');

sub adopt {
    my ($query, @h) = @_;
    return http(path => '/sso/adopt' . ($query // ''), port => $port,
                headers => [$DAVE, @h]);
}

sub whoami_user {
    my ($cookie) = @_;
    my $res = http(path => '/whoami', port => $port,
                   headers => [['Cookie', $cookie]]);
    my $j = decode_json($res->{body});
    return $j && $j->{user};
}

{
    my $res = http(path => '/sso/adopt', port => $port);
    is $res->{status}, 401, 'without credentials mod_auth_basic answers 401';
    ok !cookie_of($res), 'and no session';

    $res = adopt();
    is $res->{status}, 303, 'dave, signed in by Basic: 303';
    is header_value($res, 'Location'), '/chat.html', 'to SessionStoreLoginRedirect';
    my $c = cookie_of($res);
    ok $c, 'with a session cookie';
    like join(' ', set_cookies($res)), qr/HttpOnly/, 'with the configured attributes';
    is header_value($res, 'Cache-Control'), 'no-store', 'never cached';
    is whoami_user($c), 'dave', 'the session is dave\'s';
    my $m = marker('adopt');
    is sio_get($c, $m, port => $port)->{status}, 200, 'and carries a socket';
    my ($rec) = backend_requests($m);
    is_deeply [backend_headers($rec, 'X-Socketio-User')], ['dave'],
        'as dave, to the backend';
    like $basic->error_log, qr/\[client 127\.0\.0\.1:\d+\] user dave logged in through AuthType Basic \(session-store-adopt\)/,
        'logged with the AuthType';

    my $again = adopt('', ['Cookie', $c]);
    my $c2 = cookie_of($again);
    ok $c2 && $c2 ne $c, 'adopting again: a fresh id';
    ok !whoami_user($c), 'the session the client had is gone (no fixation)';
    is whoami_user($c2), 'dave', 'the new one is dave\'s';

    $res = adopt('?redirect=%2Froom%3Fid%3D7');
    is header_value($res, 'Location'), '/room?id=7', 'a local redirect is followed';
    $res = adopt('?redirect=https%3A%2F%2Fevil.example%2F');
    is header_value($res, 'Location'), '/chat.html', 'another site is not';
    like $basic->error_log, qr/login of dave asked to go to 'https:\/\/evil\.example\/', which is not a local path/,
        'and logged';
    $res = adopt('?redirect=%2F%2Fevil.example%2F');
    is header_value($res, 'Location'), '/chat.html', '//host is not either';
    is adopt('?redirect=%ZZ')->{status}, 400, 'a bad escape: 400';
    is adopt('?redirect=%2Fa&redirect=%2Fb')->{status}, 400, 'redirect twice: 400';

    $res = adopt('', ['Accept', 'application/json']);
    is $res->{status}, 200, 'a script: 200';
    is_deeply decode_json($res->{body}), { user => 'dave' }, '{"user":"dave"}';
    ok cookie_of($res), 'with the cookie';

    is http(method => 'POST', path => '/sso/adopt', port => $port, body => '',
            headers => [$DAVE])->{status}, 405, 'POST: 405';

    $res = http(path => '/open/adopt', port => $port,
                headers => [['Accept', 'application/json']]);
    is $res->{status}, 403, 'where no module authenticated the request: 403';
    is_deeply decode_json($res->{body}), { message => 'Not authenticated' },
        'saying why';
    ok !cookie_of($res), 'no session';
    like $basic->error_log, qr/\[session_store:error\] .*session-store-adopt at \/open\/adopt: no module authenticated the request/,
        'an error log line naming the place and the fix';
}
$basic->stop;

# ---- behind client certificates (TLS), with a CA made here
SKIP: {
    skip 'mod_ssl is not there', 1 unless -f "$moddir/mod_ssl.so";
    skip 'IO::Socket::SSL is needed (Debian: libio-socket-ssl-perl)', 1
        unless eval { require IO::Socket::SSL; 1 };

    my $tls = SIOTest::Server->new(name => 'adopt-tls', conf => <<"CONF");
LoadModule ssl_module "$moddir/mod_ssl.so"
SessionStoreSecret "adopt.t: the secret of the TLS server, 40+ chars"
SSLEngine on
SSLCertificateFile "\@dir\@/server.crt"
SSLCertificateKeyFile "\@dir\@/server.key"
SSLCACertificateFile "\@dir\@/ca.crt"
SSLVerifyClient require
SSLVerifyDepth 1
<Location /adopt>
    SetHandler session-store-adopt
    SSLUserName SSL_CLIENT_S_DN_CN
</Location>
<Location /whoami>
    SetHandler session-store-whoami
</Location>
<Location /socket.io/>
    AuthType SocketIO
    Require valid-user
    ProxyPass http://127.0.0.1:$backend/socket.io/ upgrade=websocket
</Location>
CONF
    my $dir = $tls->dir;
    my $openssl = sub {
        my $out = `cd '$dir' && openssl @_ 2>&1`;
        die "openssl @_: $out" if $?;
    };
    my $ec = '-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes';
    spew("$dir/server.ext", "subjectAltName=IP:127.0.0.1\n");
    $openssl->("req -x509 $ec -keyout ca.key -out ca.crt -days 2 -subj '/CN=adopt.t CA'");
    $openssl->("req -x509 $ec -keyout other-ca.key -out other-ca.crt -days 2 -subj '/CN=adopt.t other CA'");
    for my $c ([ 'server', '127.0.0.1', 'ca', 'server.ext' ],
               [ 'carol', 'carol', 'ca', undef ],
               [ 'mallory', 'mallory', 'other-ca', undef ]) {
        my ($name, $cn, $ca, $ext) = @$c;
        $openssl->("req $ec -keyout $name.key -out $name.csr -subj '/CN=$cn'");
        $openssl->("x509 -req -in $name.csr -CA $ca.crt -CAkey $ca.key -CAcreateserial "
                   . "-out $name.crt -days 2" . ($ext ? " -extfile $ext" : ''));
    }
    ok $tls->start, 'a TLS server with SSLVerifyClient require starts'
        or diag $tls->start_output;
    my $tport = $tls->port;

    # One request over TLS; {status, headers, body}, or {error} when the
    # handshake is refused.
    my $https = sub {
        my ($path, %a) = @_;
        my $sock = IO::Socket::SSL->new(
            PeerAddr => '127.0.0.1', PeerPort => $tport, Timeout => 10,
            SSL_ca_file => "$dir/ca.crt", SSL_verifycn_name => '127.0.0.1',
            $a{cert} ? (SSL_cert_file => "$dir/$a{cert}.crt",
                        SSL_key_file => "$dir/$a{cert}.key") : ());
        return { status => 0, error => $IO::Socket::SSL::SSL_ERROR || "$!" }
            unless $sock;
        my $req = "GET $path HTTP/1.1\r\nHost: 127.0.0.1:$tport\r\nConnection: close\r\n";
        $req .= "Cookie: $a{cookie}\r\n" if $a{cookie};
        print $sock "$req\r\n";
        local $/;
        my $raw = <$sock> // '';
        close $sock;
        my ($head, $body) = split /\r\n\r\n/, $raw, 2;
        return { status => 0, error => "no response: $raw" } unless defined $head;
        my ($status_line, @lines) = split /\r\n/, $head;
        my ($status) = $status_line =~ /^HTTP\/1\.\d (\d{3})/;
        return { status => $status // 0, body => $body // '',
                 headers => [map { /^([^:]+):\s*(.*)$/ ? [$1, $2] : () } @lines] };
    };

    my $res = $https->('/adopt', cert => 'carol');
    is $res->{status}, 303, 'carol, by her client certificate: 303';
    my $c = cookie_of($res);
    ok $c, 'a session cookie';
    like join(' ', set_cookies($res)), qr/;\s*Secure/i, 'Secure, on https';
    like $tls->error_log, qr/user carol logged in through AuthType \(none\) \(session-store-adopt\)/,
        'logged: no AuthType, the user from SSLUserName';
    $res = $https->('/whoami', cert => 'carol', cookie => $c);
    is decode_json($res->{body})->{user}, 'carol', 'the session is carol\'s';
    my $m = marker('tls');
    $res = $https->("/socket.io/?EIO=4&transport=polling&t=$m", cert => 'carol',
                    cookie => $c);
    is $res->{status}, 200, 'and carries a socket over TLS';
    my ($rec) = backend_requests($m);
    is_deeply [$rec ? backend_headers($rec, 'X-Socketio-User') : ()], ['carol'],
        'as carol, to the backend';

    $res = $https->('/adopt');
    is $res->{status}, 0, 'without a certificate the handshake fails';
    $res = $https->('/adopt', cert => 'mallory');
    ok !$res->{status} || $res->{status} >= 400,
        'a certificate of another CA: no session either';
    ok !cookie_of($res), 'no cookie';
    $tls->stop;
}

done_testing;
