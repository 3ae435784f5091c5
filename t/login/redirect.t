# The redirect field of the login form must never send the browser off
# the site (mod_auth_form redirects anywhere).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use URI;
use SIOTest;

my $DEFAULT = '/home.html';    # SessionStoreLoginRedirect of /login

# A Location a browser would keep on this site: one leading '/', not
# followed by '/' or '\' even after the browser drops tabs and newlines,
# no backslash, space or control byte anywhere, and it resolves to us.
sub stays_on_site {
    my $loc = shift;
    return 0 unless defined $loc;
    (my $browser = $loc) =~ s/[\t\n\r]//g;
    return 0 unless $browser =~ m{^/(?![/\\])};
    return 0 if $loc =~ /[\x00-\x20\x7f\\]/;
    my $abs = URI->new_abs($loc, 'http://127.0.0.1:' . test_var('port') . '/');
    return $abs->host eq '127.0.0.1';
}

# [redirect field as sent on the wire (already form-encoded), what the
#  login must answer: the default page, the decoded local path, or 400
#  (a form with a control byte is refused whole)]
my @cases = (
    ['//evil.example',                     $DEFAULT],
    ['%2F%2Fevil.example',                 $DEFAULT],
    ['///evil.example',                    $DEFAULT],
    ['https://evil.example/',              $DEFAULT],
    ['https%3A%2F%2Fevil.example%2F',      $DEFAULT],
    ['HTTPS://evil.example',               $DEFAULT],
    ['http:evil.example',                  $DEFAULT],
    ['javascript:alert(1)',                $DEFAULT],
    ['evil.example',                       $DEFAULT],
    ['/\\evil.example',                    $DEFAULT],
    ['/%5Cevil.example',                   $DEFAULT],
    ['%5C%5Cevil.example',                 $DEFAULT],
    ['\\\\evil.example',                   $DEFAULT],
    ['/%2F%2Fevil.example',                $DEFAULT],   # decodes to ///evil.example
    ['/%2Fevil.example',                   $DEFAULT],   # decodes to //evil.example
    ['%09//evil.example',                  400],        # TAB only in a password
    ['/%09/evil.example',                  400],        # (browsers drop it: //evil)
    ['+//evil.example',                    $DEFAULT],
    ['/+/evil.example',                    $DEFAULT],
    ['/%0A/evil.example',                  400],
    ['/%0D%0ALocation:%20https://evil.example', 400],
    ['/%00//evil.example',                 400],
    ['/%252F%252Fevil.example',            '/%2F%2Fevil.example'],  # a literal path
    # Dot segments: the browser resolves /.//evil.example to the path
    # //evil.example on our host, an open redirect as soon as a page
    # echoes its own path into a link.  Refused, encoded dots too.
    ['/..//evil.example',                  $DEFAULT],
    ['/.//evil.example',                   $DEFAULT],
    ['/%2e//evil.example',                 $DEFAULT],
    ['/%252e//evil.example',               $DEFAULT],   # decodes to /%2e//...
    ['/chat/../../evil.example',           $DEFAULT],
    ['/chat/..',                           $DEFAULT],
    ['/chat.html',                         '/chat.html'],
    ['/a..b/...',                          '/a..b/...'],
    ['/chat?next=//evil.example',          '/chat?next=//evil.example'],
    ['/chat#//evil.example',               '/chat#//evil.example'],
    ['/' . ('a' x 3000),                   400],                    # longer than the field
);

for my $case (@cases) {
    my ($wire, $expect) = @$case;
    my $name = "redirect=$wire";
    $name = substr($name, 0, 40) . '...' if length $name > 43;
    my $res = login(undef, undef,
                    body => "username=alice&password=wonderland&redirect=$wire");
    my $loc = header_value($res, 'Location');
    if ($expect eq '400') {
        is $res->{status}, 400, "$name: 400";
        is scalar(set_cookies($res)), 0, "$name: no session made";
        ok !defined $loc, "$name: no Location";
        next;
    }
    is $res->{status}, 303, "$name: 303";
    is $loc, $expect, "$name: Location $expect";
    ok stays_on_site($loc), "$name: the Location stays on the site";
    is scalar(set_cookies($res)), 1, "$name: the login itself succeeded";
}

# The same through the failure redirect: never the client's target.
{
    my $res = login(undef, undef, path => '/failing-login',
                    body => 'username=alice&password=bad&redirect=//evil.example');
    is header_value($res, 'Location'), '/login.html?error=1',
        'a failed login ignores the redirect field';
}

done_testing;
