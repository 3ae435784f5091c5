#!/usr/bin/perl
# The configuration examples in conf/ pass "apache2 -t" with the modules of
# this build, and broken configurations fail it with a message that names
# the directive at fault.  Needs SIO_MODULES_DIR (or ../../build/.libs).
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use File::Basename qw(dirname);
use Cwd qw(abs_path);

my $root = abs_path(dirname(__FILE__) . "/../..");
my $mods = abs_path($ENV{SIO_MODULES_DIR} || "$root/build/.libs");
my $apxs = $ENV{APXS} || `command -v apxs || command -v apxs2`;
chomp $apxs;
plan skip_all => "apxs not found" unless $apxs;
chomp(my $httpd = `$apxs -q SBINDIR` . "/" . `$apxs -q TARGET`);
$httpd =~ s/\n//g;
chomp(my $moddir = `$apxs -q LIBEXECDIR`);
ok(-f "$mods/mod_session_store.so", "built modules in $mods")
    or BAIL_OUT("build first");

my $tmp = tempdir(CLEANUP => 1);
chmod 0755, $tmp;

sub spew {
    my ($path, $text, $mode) = @_;
    open my $fh, '>', $path or die "$path: $!";
    print $fh $text;
    close $fh;
    chmod $mode, $path if defined $mode;
}

sub slurp {
    my ($path) = @_;
    open my $fh, '<', $path or die "$path: $!";
    local $/;
    return <$fh>;
}

spew("$tmp/session-store.secret", "a3f9c2d8e1b7a6f5c4d3e2f1a0b9c8d7e6f5a4b3\n", 0600);
spew("$tmp/chat.htpasswd", "alice:\$apr1\$abc\$xyz\n", 0644);
mkdir "$tmp/www";

# Point an example at this build and at scratch files.
sub localize {
    my ($text) = @_;
    $text =~ s{/usr/lib/apache2/modules/mod_(session_store|socketio_auth)\.so}{$mods/mod_$1.so}g;
    $text =~ s{/usr/lib/apache2/modules/}{$moddir/}g;
    $text =~ s{/etc/apache2/session-store\.secret}{$tmp/session-store.secret}g;
    $text =~ s{/etc/apache2/chat\.htpasswd}{$tmp/chat.htpasswd}g;
    $text =~ s{/tmp/socketio-example}{$tmp}g;
    $text =~ s{/var/www/chat}{$tmp/www}g;
    $text =~ s{\$\{APACHE_LOG_DIR\}}{$tmp}g;
    $text =~ s{ServerRoot "/etc/apache2"}{ServerRoot "$tmp"}g;
    return $text;
}

# Run httpd -t on a configuration text; returns (exit status, output).
sub configtest {
    my ($name, $text) = @_;
    spew("$tmp/$name.conf", $text);
    my $out = `'$httpd' -t -f '$tmp/$name.conf' 2>&1`;
    return ($? >> 8, $out);
}

my $preamble = <<"CONF";
ServerRoot "$tmp"
DefaultRuntimeDir "$tmp"
PidFile "$tmp/httpd.pid"
ErrorLog "$tmp/error_log"
Listen 127.0.0.1:65500
ServerName localhost
CONF
for my $m (qw(mpm_event authn_core authn_file authz_core authz_user
              authz_host authz_groupfile mime dir proxy proxy_http
              proxy_wstunnel)) {
    $preamble .= "LoadModule ${m}_module $moddir/mod_$m.so\n"
        if -f "$moddir/mod_$m.so";
}

# The standalone example.
{
    my ($rc, $out) = configtest("standalone",
                                localize(slurp("$root/conf/httpd.conf.example")));
    is($rc, 0, "conf/httpd.conf.example passes -t") or diag($out);
}

# The Debian a2enmod/a2ensite pieces, put together as Debian would.
{
    my $text = $preamble;
    $text .= localize(slurp("$root/conf/$_")) for qw(session_store.load
        socketio_auth.load session_store.conf socketio_auth.conf
        socketio-site.conf);
    my ($rc, $out) = configtest("debian", $text);
    is($rc, 0, "conf/*.load, *.conf and socketio-site.conf pass -t")
        or diag($out);
}

# Every directive of the modules appears in conf/ and in the README.
{
    my $examples = join "", map { slurp($_) } glob("$root/conf/*.conf"),
        glob("$root/conf/*.example");
    my $readme = -f "$root/README.md" ? slurp("$root/README.md") : "";
    my %directives;
    for my $src (glob("$root/session_store/*.c"), glob("$root/socketio_auth/*.c"),
                 "$root/mod_socketio_auth.c") {
        my $c = slurp($src);
        $directives{$1} = 1 while $c =~ /AP_INIT_\w+\("(\w+)"/g;
    }
    ok(scalar(keys %directives) >= 20, scalar(keys %directives)
       . " directives found in the sources");
    for my $d (sort keys %directives) {
        like($examples, qr/^\s*#?\s*\Q$d\E\b/m, "$d has an example in conf/");
        like($readme, qr/\Q$d\E/, "$d is in the README");
    }
}

# Broken configurations: -t fails and the message names the directive.
my $base = $preamble
    . "LoadModule session_store_module $mods/mod_session_store.so\n"
    . "LoadModule socketio_auth_module $mods/mod_socketio_auth.so\n";
my $good_secret = "SessionStoreSecret 0123456789abcdef0123456789abcdef\n";
spew("$tmp/world.secret", "0123456789abcdef0123456789abcdef\n", 0644);
spew("$tmp/empty.secret", "# only a comment\n\n", 0600);
spew("$tmp/three.auth", "user password extra\n", 0600);
spew("$tmp/group.secret", "0123456789abcdef0123456789abcdef\n", 0640);
my @broken = (
    [ "a login handler without a secret", "<Location /login>\nSetHandler session-store-login\n</Location>\n",
      qr/SetHandler on line \d+ of \S+ needs a secret, and server \S+ has none: set SessionStoreSecret/ ],
    [ "secret file missing", "SessionStoreSecretFile $tmp/nope.secret\n",
      qr/SessionStoreSecretFile.*nope\.secret/ ],
    [ "secret file readable by all", "SessionStoreSecretFile $tmp/world.secret\n",
      qr/SessionStoreSecretFile.*readable by every user/ ],
    [ "secret file readable by its group", "SessionStoreSecretFile $tmp/group.secret\n",
      qr/SessionStoreSecretFile: \S+group\.secret is readable by its group; run chmod 600 \S+group\.secret/ ],
    [ "capacity beyond the platform", $good_secret . "SessionStoreCapacity 4294967295\n",
      qr/SessionStoreCapacity: '4294967295' is not a whole number from 1 to \d+/ ],
    [ "max per user not a number", $good_secret . "SessionStoreMaxPerUser many\n",
      qr/SessionStoreMaxPerUser: 'many'/ ],
    [ "__Host- cookie without Secure", $good_secret . "SessionStoreCookieName __Host-sid\n",
      qr/SessionStoreCookieName __Host-sid with SessionStoreCookieAttributes "Path=\/; HttpOnly; SameSite=Lax" in server \S*: a __Host- cookie needs Secure/ ],
    [ "__Host- cookie with a Domain", $good_secret . "SessionStoreCookieName __Host-sid\n"
        . "SessionStoreCookieAttributes \"Secure; Path=/; Domain=example.com\"\n",
      qr/SessionStoreCookieName __Host-sid .*: a __Host- cookie may not have a Domain/ ],
    [ "__Host- cookie with another Path", $good_secret . "SessionStoreCookieName __Host-sid\n"
        . "SessionStoreCookieAttributes \"Secure; Path=/app\"\n",
      qr/SessionStoreCookieName __Host-sid .*: a __Host- cookie needs Path=\// ],
    [ "__Secure- cookie without Secure", $good_secret . "SessionStoreCookieName __Secure-sid\n",
      qr/SessionStoreCookieName __Secure-sid .*: a __Secure- cookie needs Secure/ ],
    [ "secret file without a secret", "SessionStoreSecretFile $tmp/empty.secret\n",
      qr/SessionStoreSecretFile.*holds no secret/ ],
    [ "two secret directives", $good_secret . "SessionStoreSecretFile $tmp/session-store.secret\n",
      qr/SessionStoreSecretFile: secrets were already set by SessionStoreSecret/ ],
    [ "empty secret", "SessionStoreSecret \"\"\n", qr/SessionStoreSecret(: a secret may not be empty| takes one or more secrets)/ ],
    [ "capacity 0", $good_secret . "SessionStoreCapacity 0\n", qr/SessionStoreCapacity: '0'/ ],
    [ "capacity not a number", $good_secret . "SessionStoreCapacity lots\n", qr/SessionStoreCapacity: 'lots'/ ],
    [ "capacity in a virtual host", $good_secret . "<VirtualHost 127.0.0.1:80>\nSessionStoreCapacity 10\n</VirtualHost>\n",
      qr/SessionStoreCapacity cannot occur within <VirtualHost>/ ],
    [ "bad cookie name", $good_secret . "SessionStoreCookieName \"a b\"\n", qr/SessionStoreCookieName: 'a b'/ ],
    [ "bad header name", $good_secret . "<Location />\nSocketIOAuthHeader \"X User:\"\n</Location>\n",
      qr/SocketIOAuthHeader: 'X User:' is not a valid header name/ ],
    [ "fail status not 4xx", $good_secret . "<Location />\nSocketIOAuthFailStatus 500\n</Location>\n",
      qr/SocketIOAuthFailStatus: '500'/ ],
    [ "login URL elsewhere", $good_secret . "<Location />\nSocketIOAuthLoginURL //evil.example/\n</Location>\n",
      qr/SocketIOAuthLoginURL: '\/\/evil.example\/' must be a local path/ ],
    [ "bind capacity too small", $good_secret . "SocketIOAuthBindSidCapacity 5\n",
      qr/SocketIOAuthBindSidCapacity: '5' is not a number of sockets/ ],
    [ "bind capacity in a virtual host", $good_secret . "<VirtualHost 127.0.0.1:80>\nSocketIOAuthBindSidCapacity 1000\n</VirtualHost>\n",
      qr/SocketIOAuthBindSidCapacity cannot occur within <VirtualHost>/ ],
    [ "bind flag not a flag", $good_secret . "<Location />\nSocketIOAuthBindSid maybe\n</Location>\n",
      qr/SocketIOAuthBindSid must be On or Off/ ],
    [ "login redirect elsewhere", $good_secret . "<Location />\nSessionStoreLoginRedirect https://evil.example/\n</Location>\n",
      qr/SessionStoreLoginRedirect: 'https:\/\/evil.example\/' must be a local path/ ],
    [ "unknown provider", $good_secret . "<Location />\nSessionStoreLoginProvider nosuch\n</Location>\n",
      qr/SessionStoreLoginProvider: unknown authn provider 'nosuch'/ ],
    [ "bad throttle", $good_secret . "<Location />\nSessionStoreLoginThrottle 10\n</Location>\n",
      qr/SessionStoreLoginThrottle takes Off, or three numbers/ ],
    [ "bad when-full", $good_secret . "SessionStoreWhenFull maybe\n", qr/SessionStoreWhenFull: use 'evict'/ ],
    [ "idle timeout too large", $good_secret . "SessionStoreIdleTimeout 999999999999\n", qr/SessionStoreIdleTimeout: '999999999999'/ ],
    [ "unknown backend", $good_secret . "SessionStoreBackend memcached\n", qr/SessionStoreBackend: use 'shm'/ ],
    [ "backend in a virtual host", $good_secret . "<VirtualHost 127.0.0.1:80>\nSessionStoreBackend redis\n</VirtualHost>\n",
      qr/SessionStoreBackend cannot occur within <VirtualHost>/ ],
    [ "bad Redis server", $good_secret . "SessionStoreRedisServer redis://x\n", qr/SessionStoreRedisServer: 'redis:\/\/x' is not host:port/ ],
    [ "Redis port out of range", $good_secret . "SessionStoreRedisServer 127.0.0.1:70000\n", qr/SessionStoreRedisServer: '70000'/ ],
    [ "relative Redis socket", $good_secret . "SessionStoreRedisServer unix:redis.sock\n", qr/SessionStoreRedisServer: unix: takes an absolute path/ ],
    [ "Redis auth file readable by all", $good_secret . "SessionStoreRedisAuthFile $tmp/world.secret\n",
      qr/SessionStoreRedisAuthFile: .*readable by every user/ ],
    [ "Redis auth file of three words", $good_secret . "SessionStoreRedisAuthFile $tmp/three.auth\n",
      qr/SessionStoreRedisAuthFile: .* must hold one line/ ],
    [ "Redis prefix that httpd's keys match", $good_secret . "SessionStoreRedisPrefix sess\n",
      qr/SessionStoreRedisPrefix: 'sess' would make connect-redis read httpd's own keys/ ],
    [ "Redis prefix with a pattern", $good_secret . "SessionStoreRedisPrefix s*:\n", qr/SessionStoreRedisPrefix: 1 to 64/ ],
    [ "Redis user path", $good_secret . "SessionStoreRedisUserPath passport..user\n", qr/SessionStoreRedisUserPath: 'passport..user'/ ],
    [ "Redis user path in the cookie", $good_secret . "SessionStoreRedisUserPath cookie.user\n", qr/SessionStoreRedisUserPath: 'cookie.user'/ ],
    [ "Redis timeout", $good_secret . "SessionStoreRedisTimeout 5\n", qr/SessionStoreRedisTimeout: '5'/ ],
    [ "Redis foreign", $good_secret . "SessionStoreRedisForeign maybe\n", qr/SessionStoreRedisForeign: use 'accept'/ ],
);
for my $case (@broken) {
    my ($what, $lines, $want) = @$case;
    (my $name = $what) =~ s/\W+/-/g;
    my ($rc, $out) = configtest("broken-$name", $base . $lines);
    isnt($rc, 0, "configtest fails: $what");
    like($out, $want, "and names the directive: $what");
}

# A __Host- cookie with the attributes it needs passes.
{
    my ($rc, $out) = configtest("host-prefix", $base . $good_secret
        . "SessionStoreCookieName __Host-sid\n"
        . "SessionStoreCookieAttributes \"Secure; Path=/; HttpOnly; SameSite=Lax\"\n");
    is($rc, 0, "SessionStoreCookieName __Host-sid with Secure and Path=/ passes -t")
        or diag($out);
}

# Loaded, with no secret and nothing using them (a package's postinst
# enables them before any site does): -t passes.
{
    my ($rc, $out) = configtest("loaded-unused", $base);
    is($rc, 0, "both modules loaded, unused and without a secret, pass -t")
        or diag($out);
    ($rc, $out) = configtest("vhost-unused", $base . "<VirtualHost 127.0.0.1:80>\n"
        . "ServerName other\n<Location /socket.io/>\nAuthType SocketIO\nRequire valid-user\n"
        . "</Location>\n</VirtualHost>\n");
    isnt($rc, 0, "AuthType SocketIO in a virtual host without a secret fails -t");
    like($out, qr/AuthType SocketIO on line \d+ of \S+ needs a secret, and server other has none/,
         "and names the place and the server");
}

# The auth module without the store: refused at configtest, saying why.
{
    my $text = $preamble . "LoadModule socketio_auth_module $mods/mod_socketio_auth.so\n";
    my ($rc, $out) = configtest("auth-alone", $text);
    isnt($rc, 0, "mod_socketio_auth without mod_session_store fails -t");
    like($out, qr/mod_socketio_auth needs mod_session_store/, "and says so");
}

done_testing();
