"""Schemathesis hooks for test/schemathesis.test.ts.

Deliberate exception: Sluice refuses, with a 400 naming the key, any JSON body with a key "__proto__" or a
"constructor" object holding "prototype" (prototype poisoning), at any depth. The document's free-form
objects (labels, loose documents) cannot say "any key but these", so bodies with such keys are not
generated as schema-valid ones; everything else is.
"""

import schemathesis


def _poisoned(value):
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "__proto__" or (key == "constructor" and isinstance(item, dict) and "prototype" in item):
                return True
            if _poisoned(item):
                return True
    elif isinstance(value, list):
        return any(_poisoned(item) for item in value)
    return False


@schemathesis.hook
def filter_body(ctx, body):
    return not _poisoned(body)
