package SIOTest;
# Helpers of the Apache::Test suite: a raw HTTP/1.1 client (the tests need
# exact control of header spellings, duplicates and bytes, which LWP
# normalises away), logins, cookies signed in Perl, the backend's request
# log, a small WebSocket client, and the server's logs.
use strict;
use warnings;

use Apache::TestConfig ();
use Exporter 'import';
use IO::Socket::INET;
use IO::Select;
use JSON::PP ();
use Digest::SHA qw(hmac_sha256_base64 sha1_base64);
use MIME::Base64 qw(encode_base64);
use Time::HiRes qw(sleep time);

our @EXPORT = qw(
    http header_value header_values set_cookies login login_cookie marker
    backend_requests backend_headers sio_get refused_ok ws_connect ws_send
    ws_recv sign_value wire_value cookie_header random_sid status_json
    decode_json error_log access_log_line wait_until server_alive
    read_file count_lines
    fold_name test_var SECRET_OLD SECRET_NEW COOKIE_NAME
);

# As in t/conf/extra.conf.in.
use constant SECRET_OLD  => 'apache-test OLD secret: the main host signs with it';
use constant SECRET_NEW  => 'apache-test NEW secret: signs after the rotation';
use constant COOKIE_NAME => 'express.sid';

my $json = JSON::PP->new->canonical;

# The configuration Apache::Test saved (t/conf/apache_test_config.pm).
# Read directly: Apache::Test::vars() would also probe httpd, which costs
# more than a second per test file.
my $config;
sub test_var {
    $config ||= Apache::TestConfig->thaw;
    return $config->{vars}->{ $_[0] };
}

sub port { test_var('port') }

sub decode_json {
    my $text = shift;
    my $v = eval { $json->decode($text // '') };
    return $v;
}

# http(method => 'GET', path => '/', host => 'name', headers => [[k, v]...],
#      body => '...', raw => 'bytes to send as they are', timeout => s,
#      keep => 1 (return the socket after the head, for a 101),
#      port => N (another server than the suite's, see SIOTest::Server))
# Returns {status, reason, headers => [[k, v]...], body, head, sock}.
# status is 0 when the server answered nothing at all.
sub http {
    my %a = @_;
    my $port = $a{port} || port();
    # from => '127.x.y.z': the client's own address (any 127.0.0.0/8
    # address is a distinct client to the server).
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                     PeerPort => $port,
                                     ($a{from} ? (LocalAddr => $a{from}) : ()),
                                     Timeout => 5)
        or return { status => 0, error => "connect: $!", headers => [] };
    binmode $sock;
    my $req = $a{raw};
    unless (defined $req) {
        my $method = $a{method} || 'GET';
        my $host = $a{host} || "127.0.0.1:$port";
        $req = "$method $a{path} HTTP/1.1\r\nHost: $host\r\n";
        for my $h (@{ $a{headers} || [] }) {
            $req .= "$h->[0]: $h->[1]\r\n";
        }
        if (defined $a{body} && !$a{no_length}) {
            $req .= "Content-Length: " . length($a{body}) . "\r\n";
        }
        $req .= "Connection: close\r\n" unless $a{keep};
        $req .= "\r\n";
        $req .= $a{body} if defined $a{body};
    }
    my $off = 0;
    while ($off < length $req) {
        my $n = syswrite($sock, $req, 65536, $off);
        last unless $n;    # the server may refuse before reading it all
        $off += $n;
    }
    my $timeout = $a{timeout} || 15;
    my $sel = IO::Select->new($sock);
    my $buf = '';
    my $deadline = time + $timeout;
    my $head_end;
    while (time < $deadline) {
        $head_end = index($buf, "\r\n\r\n");
        last if $a{keep} && $head_end >= 0;
        $sel->can_read($deadline - time) or last;
        my $got = sysread($sock, $buf, 65536, length $buf);
        last unless $got;
    }
    $head_end = index($buf, "\r\n\r\n");
    return { status => 0, error => 'no response', headers => [],
             body => $buf } if $head_end < 0;
    my $head = substr($buf, 0, $head_end);
    my $body = substr($buf, $head_end + 4);
    my ($status_line, @lines) = split /\r\n/, $head;
    my ($proto, $status, $reason) = split / /, $status_line, 3;
    my @headers;
    for (@lines) {
        push @headers, [$1, $2] if /^([^:]+):[ \t]*(.*?)[ \t]*$/;
    }
    my $res = { status => $status + 0, reason => $reason, head => $head,
                headers => \@headers, body => $body };
    if ($a{keep}) {
        $res->{sock} = $sock;
        return $res;
    }
    close $sock;
    if ((header_value($res, 'Transfer-Encoding') // '') =~ /chunked/i) {
        my ($out, $rest) = ('', $body);
        while ($rest =~ s/^([0-9a-fA-F]+)[^\r\n]*\r\n//) {
            my $n = hex $1;
            last if $n == 0;
            $out .= substr($rest, 0, $n);
            substr($rest, 0, $n + 2) = '';
        }
        $res->{body} = $out;
    }
    return $res;
}

sub fold_name { my $n = lc shift; $n =~ tr/_/-/; $n }

sub header_values {
    my ($res, $name) = @_;
    return map { $_->[1] } grep { lc $_->[0] eq lc $name } @{ $res->{headers} };
}

sub header_value { (header_values(@_))[0] }

sub set_cookies { header_values($_[0], 'Set-Cookie') }

sub form_body {
    my @pairs = @_;
    my @out;
    while (my ($k, $v) = splice @pairs, 0, 2) {
        push @out, join '=', map { my $s = $_; $s =~ s/([^A-Za-z0-9_.~-])/sprintf '%%%02X', ord $1/ge; $s } $k, $v;
    }
    return join '&', @out;
}

# POST the login form; returns the response.  %a: path, host, port,
# accept, cookie (a Cookie header), extra => [[k, v]...], fields =>
# [k, v, ...] (instead of username/password), timeout, from (the client's
# address).
sub login {
    my ($user, $pass, %a) = @_;
    my @fields = $a{fields} ? @{ $a{fields} }
                            : (username => $user, password => $pass);
    my @h = (['Content-Type', 'application/x-www-form-urlencoded'],
             ['Accept', $a{accept} || 'text/html']);
    push @h, ['Cookie', $a{cookie}] if $a{cookie};
    push @h, @{ $a{extra} || [] };
    return http(method => 'POST', path => $a{path} || '/login',
                host => $a{host}, port => $a{port}, timeout => $a{timeout},
                from => $a{from},
                headers => \@h,
                body => defined $a{body} ? $a{body} : form_body(@fields));
}

# Log in and return "express.sid=<value>", ready for a Cookie header.
sub login_cookie {
    my ($user, $pass, %a) = @_;
    my $res = login($user, $pass, %a);
    for my $c (set_cookies($res)) {
        return $1 if $c =~ /^(\Q${\COOKIE_NAME}\E=[^;]+)/;
    }
    die "login of $user failed: $res->{status} $res->{body}\n";
}

my $marker_n = 0;
sub marker {
    my $name = shift || 'm';
    $marker_n++;
    return sprintf '%s-%d-%d-%06d', $name, $$, $marker_n, int(rand 1e6);
}

# Every request the backend logged whose URI or headers hold $marker.
sub backend_requests {
    my $marker = shift;
    my $log = $ENV{SIO_BACKEND_LOG} || test_var('t_logs') . '/backend.log';
    open my $fh, '<', $log or return ();
    my @found;
    while (my $line = <$fh>) {
        next unless index($line, $marker) >= 0;
        push @found, decode_json($line);
    }
    close $fh;
    return @found;
}

# The values of the headers named $name (compared as a backend would:
# case folded, '_' as '-') that the backend received in $rec.
sub backend_headers {
    my ($rec, $name) = @_;
    return map { $_->[1] }
           grep { fold_name($_->[0]) eq fold_name($name) } @{ $rec->{headers} };
}

# An Engine.IO polling GET under $path (default /socket.io/) tagged with
# $marker, with a Cookie header when $cookie is set.
sub sio_get {
    my ($cookie, $marker, %a) = @_;
    my @h = @{ $a{headers} || [] };
    unshift @h, ['Cookie', $cookie] if defined $cookie;
    return http(method => $a{method} || 'GET',
                path => ($a{path} || '/socket.io/')
                        . "?EIO=4&transport=polling&t=$marker",
                host => $a{host}, port => $a{port}, timeout => $a{timeout},
                headers => \@h, body => $a{body});
}

# The refusal of mod_socketio_auth: status, JSON reason, and the request
# never reached the backend.
sub refused_ok {
    my ($res, $status, $reason, $marker, $name) = @_;
    my $tb = Test::More->builder;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my $body = decode_json($res->{body});
    my $ok = $tb->ok($res->{status} == $status
                     && $body && ($body->{message} // '') eq $reason
                     && !backend_requests($marker),
                     "$name: $status \"$reason\", not proxied");
    unless ($ok) {
        $tb->diag("got $res->{status}, body: " . ($res->{body} // ''));
        $tb->diag("the backend received it") if backend_requests($marker);
    }
    return $ok;
}

# A WebSocket handshake; returns the response with {sock} on a 101.
sub ws_connect {
    my (%a) = @_;
    my $key = encode_base64(join('', map { chr int rand 256 } 1 .. 16), '');
    my @h = (['Upgrade', 'websocket'], ['Connection', 'Upgrade'],
             ['Sec-WebSocket-Key', $key], ['Sec-WebSocket-Version', '13']);
    push @h, ['Cookie', $a{cookie}] if defined $a{cookie};
    push @h, @{ $a{headers} || [] };
    my $path = ($a{path} || '/socket.io/')
               . "?EIO=4&transport=websocket&t=$a{marker}";
    my $res = http(path => $path, headers => \@h, host => $a{host},
                   port => $a{port}, keep => 1);
    $res->{expected_accept} = sha1_base64($key . '258EAFA5-E914-47DA-95CA-C5AB0DC85B11') . '=';
    if ($res->{status} != 101 && $res->{sock}) {
        # read the rest of a refusal's body
        my $sock = delete $res->{sock};
        my $sel = IO::Select->new($sock);
        my $len = header_value($res, 'Content-Length');
        my $deadline = time + 5;
        while (time < $deadline
               && (!defined $len || length($res->{body}) < $len)) {
            $sel->can_read(1) or next;
            sysread($sock, $res->{body}, 4096, length $res->{body}) or last;
        }
        close $sock;
    }
    return $res;
}

# Client frames are masked (RFC 6455 5.3).
sub ws_send {
    my ($sock, $text, $opcode) = @_;
    my $mask = join '', map { chr int rand 256 } 1 .. 4;
    my $len = length $text;
    die "ws_send: keep test frames short\n" if $len > 125;
    my $masked = $text ^ substr($mask x (int($len / 4) + 1), 0, $len);
    syswrite($sock, pack('CC', 0x80 | ($opcode // 1), 0x80 | $len) . $mask . $masked);
}

# One frame from the server: (opcode, payload) or () after 5 s.
sub ws_recv {
    my ($sock) = @_;
    my $sel = IO::Select->new($sock);
    my $buf = '';
    my $deadline = time + 5;
    while (time < $deadline) {
        if (length($buf) >= 2) {
            my ($b0, $len) = unpack 'CC', $buf;
            $len &= 0x7f;
            if ($len < 126 && length($buf) >= 2 + $len) {
                return ($b0 & 0x0f, substr($buf, 2, $len));
            }
        }
        $sel->can_read($deadline - time) or last;
        sysread($sock, $buf, 4096, length $buf) or last;
    }
    return ();
}

# cookie-signature's sign(): "s:" id "." base64(HMAC-SHA256) without "=".
sub sign_value {
    my ($secret, $id) = @_;
    return "s:$id." . hmac_sha256_base64($id, $secret);
}

# encodeURIComponent, as express-session writes the cookie.
sub wire_value {
    my $v = shift;
    $v =~ s/([^A-Za-z0-9\-_.!~*'()])/sprintf '%%%02X', ord $1/ge;
    return $v;
}

sub cookie_header {
    my ($secret, $id) = @_;
    return COOKIE_NAME . '=' . wire_value(sign_value($secret, $id));
}

# An id of the store's format (24 random bytes, base64url) that no login
# made.
sub random_sid {
    my $raw = join '', map { chr int rand 256 } 1 .. 24;
    (my $id = encode_base64($raw, '')) =~ tr{+/}{-_};
    return $id;
}

# The status handler's JSON (undef if it is not JSON).  %a: port, path
# (default /session-status), check => 1 (adds ?check: "consistent").
# check => 1 asks for ?check, and asks again while the store paces it
# ("consistent":null, "... next in N s"), for up to 20 s.
sub status_json {
    my %a = @_;
    my $tries = $a{check} ? 100 : 1;
    my $st;
    while ($tries--) {
        my $res = http(path => ($a{path} || '/session-status')
                               . ($a{check} ? '?check' : ''),
                       port => $a{port},
                       headers => [['Accept', 'application/json']]);
        $st = decode_json($res->{body});
        last unless $a{check} && $st && !defined $st->{consistent}
                    && ($st->{check_error} // '') =~ /next in \d+ s/;
        select undef, undef, undef, 0.2;
    }
    return $st;
}

sub wait_until {
    my ($cond, $seconds) = @_;
    my $deadline = time + ($seconds || 10);
    while (time < $deadline) {
        my $v = $cond->();
        return $v if $v;
        sleep 0.1;
    }
    return $cond->();
}

sub read_file {
    my $file = shift;
    open my $fh, '<', $file or return '';
    local $/;
    my $text = <$fh>;
    close $fh;
    return $text;
}

sub error_log { read_file(test_var('t_logs') . '/error_log') }

# The lines of $text matching $re, counted (for "logged once" checks).
sub count_lines {
    my ($text, $re) = @_;
    return scalar grep { /$re/ } split /\n/, $text // '';
}

# The access log line that holds $marker (httpd writes it after the
# response, so wait a little for it).
sub access_log_line {
    my $marker = shift;
    return wait_until(sub {
        my ($line) = grep { index($_, $marker) >= 0 }
                     split /\n/, read_file(test_var('t_logs') . '/access_log');
        return $line;
    }, 5);
}

# The server still answers, and no child died on a signal.
sub server_alive {
    my $res = http(path => '/session-status',
                   headers => [['Accept', 'application/json']]);
    my $log = error_log();
    return $res->{status} == 200 && $log !~ /exit signal|AH00052|Segmentation/;
}

1;
