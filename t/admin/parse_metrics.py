"""Parse Prometheus's text exposition format from stdin with the
prometheus_client library's own parser (Debian: python3-prometheus-client)
and print what it read as JSON:
  {"families": {name: {"type": t, "help": h,
                       "samples": [[name, {labels}, value], ...]}}}
A text the parser refuses exits 1 with its reason on stderr; without the
library, exits 2."""
import json
import math
import sys

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    sys.stderr.write("prometheus_client is not installed\n")
    sys.exit(2)

text = sys.stdin.read()
families = {}
try:
    for family in text_string_to_metric_families(text):
        if family.name in families:
            raise ValueError("family %s twice" % family.name)
        families[family.name] = {
            "type": family.type,
            "help": family.documentation,
            "samples": [[s.name, s.labels,
                         "+Inf" if math.isinf(s.value) else s.value]
                        for s in family.samples],
        }
except Exception as e:  # the parser raises ValueError and others
    sys.stderr.write("unparsable: %r\n" % (e,))
    sys.exit(1)
json.dump({"families": families}, sys.stdout, sort_keys=True)
