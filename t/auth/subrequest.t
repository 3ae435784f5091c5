# Subrequests and the identity header (issues #10 and #17).  A subrequest
# carries a copy of its parent's headers: when the parent is outside every
# scope, the client's own X-Socketio-User must already be gone; when the
# parent was authorized in scope, the identity it was given must not
# follow a subrequest out of the scope; a subrequest into the scope gets
# exactly the user it authenticated.  mod_include's virtual includes make
# the subrequests, on an httpd of this test's own (the suite's server does
# not load mod_include).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use File::Path qw(make_path);
use File::Spec::Functions qw(catfile);
use Test::More;
use SIOTest;
use SIOTest::Server;

my $apxs = $ENV{APXS} || 'apxs';
chomp(my $moddir = `$apxs -q LIBEXECDIR 2>/dev/null` // '');
my $include = catfile($moddir, 'mod_include.so');
plan skip_all => "no mod_include.so in '$moddir'" unless -f $include;

my $backend = $ENV{SIO_BACKEND_PORT} or BAIL_OUT('no SIO_BACKEND_PORT');
my $srv = SIOTest::Server->new(name => 'subrequest', conf => <<"CONF");
<IfModule !include_module>
    LoadModule include_module "$include"
</IfModule>
SessionStoreSecret "subrequest.t: a secret of this server alone, 40+ chars"
DocumentRoot "\@dir\@/htdocs"
<Directory "\@dir\@/htdocs">
    Options +Includes
    AddOutputFilter INCLUDES .shtml
    Require all granted
</Directory>
<Location /login>
    SetHandler session-store-login
    SessionStoreLoginProvider file
    AuthUserFile "\@t_conf\@/htpasswd"
    SessionStoreLoginThrottle Off
</Location>
<Location /open/>
    ProxyPass http://127.0.0.1:$backend/open/
</Location>
<Location /in-scope/>
    AuthType SocketIO
    Require valid-user
</Location>
<Location /socket.io/>
    AuthType SocketIO
    Require valid-user
    ProxyPass http://127.0.0.1:$backend/socket.io/
</Location>
CONF

my $docs = catfile($srv->dir, 'htdocs');
make_path(catfile($docs, 'in-scope'));
my ($out_m, $in_out_m, $in_in_m) = (marker('out'), marker('inout'), marker('inin'));

sub page {
    my ($file, @includes) = @_;
    open my $fh, '>', catfile($docs, $file) or die "$file: $!";
    print $fh "<p>$file</p>\n";
    print $fh qq(<!--#include virtual="$_" -->\n) for @includes;
    close $fh or die "$file: $!";
}
page('page.shtml', "/open/ssi?t=$out_m");
page('in-scope/page.shtml', "/open/ssi?t=$in_out_m",
     "/socket.io/?EIO=4&transport=polling&t=$in_in_m");

ok $srv->start, 'httpd with mod_include starts' or BAIL_OUT($srv->start_output);
my $port = $srv->port;

my $res = login('alice', 'wonderland', port => $port);
my ($alice) = map { /^(express\.sid=[^;]+)/ ? $1 : () } set_cookies($res);
ok $alice, 'alice signs in';

sub fold_all { my $n = lc shift; $n =~ s/[^a-z0-9]/_/g; $n }
sub identities {
    my ($rec) = backend_requests($_[0]);
    return undef unless $rec;
    return [grep { fold_all($_->[0]) eq 'x_socketio_user' } @{ $rec->{headers} }];
}

my @spoof = (['X-Socketio-User', 'mallory'], ['X.Socketio.User', 'mallory']);

# A page outside every scope includes a proxied URL.
$res = http(port => $port, path => '/page.shtml', headers => \@spoof);
is $res->{status}, 200, 'a page outside the scopes: 200';
is_deeply identities($out_m), [],
    'its subrequest reaches the backend without the client\'s identity header';

# A page in scope, authorized as alice, includes a proxied URL outside
# the scope and one inside.
$res = http(port => $port, path => '/in-scope/page.shtml',
            headers => [['Cookie', $alice], @spoof]);
is $res->{status}, 200, 'a page in scope, as alice: 200';
is_deeply identities($in_out_m), [],
    'a subrequest out of the scope does not carry alice\'s identity';
is_deeply identities($in_in_m), [['X-Socketio-User', 'alice']],
    'a subrequest into the scope carries exactly X-Socketio-User: alice';

$srv->stop;
done_testing;
