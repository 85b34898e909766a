"""Differential test of Truce's canonical JSON (RFC 8785) against an
independent implementation: Trail of Bits' `rfc8785` from PyPI.

Hypothesis generates JSON values (deep nesting, every kind of number, any
Unicode in names and strings); each is written as JSON text by Python and
given to `truce-entry`'s canonicaliser (its `canonical` example, one line
in, one line out), and the two canonical forms must be the same bytes.
Integers beyond 2^53 are left out: RFC 8785 has no form for them that both
sides share (Truce refuses them in entries, rfc8785 raises).

Run by scripts/test (5,000 values, about 25 s); a longer run:
    ~/.cache/truce/tools/python/bin/python e2e/differential/jcs.py \
        target/debug/examples/canonical 200000
"""

import json
import subprocess
import sys

import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SAFE = 2**53 - 1

# Names and strings: any code point but lone surrogates (not valid in
# UTF-8, which is what an entry is).
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
numbers = st.one_of(
    st.integers(min_value=-SAFE, max_value=SAFE),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1e21, 1e-7, 1e-6, 123456789012345680000.0, 5e-324,
                     1.7976931348623157e308, 0.1, 1 / 3, 2**53 + 0.0, 9007199254740993.0]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, text)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=6),
        st.dictionaries(text, children, max_size=6),
    ),
    max_leaves=40,
)


class Truce:
    """The canonicaliser, a process kept for the whole run."""

    def __init__(self, program):
        self.process = subprocess.Popen(
            [program], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8"
        )

    def canonical(self, json_text):
        self.process.stdin.write(json_text + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().rstrip("\n")


def main(program, examples):
    truce = Truce(program)
    checked = 0

    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(values)
    def same_canonical_form(value):
        nonlocal checked
        # Python writes non-ASCII as \u escapes: Truce must read them back.
        for written in (json.dumps(value), json.dumps(value, ensure_ascii=False)):
            expected = rfc8785.dumps(value).decode("utf-8")
            got = truce.canonical(written)
            assert got == expected, f"\ninput:    {written}\nrfc8785:  {expected}\ntruce:    {got}"
        checked += 1

    same_canonical_form()
    print(f"canonical JSON: {checked} values, each written two ways, the same bytes as rfc8785")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5000)
