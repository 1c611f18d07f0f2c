"""Schemathesis hooks for the fuzz step (.ci/fuzz sets SCHEMATHESIS_HOOKS).

A piece of a tus upload is raw bytes of type application/offset+octet-stream,
which schemathesis does not generate by itself."""
from hypothesis import strategies as st

import schemathesis

schemathesis.openapi.media_type("application/offset+octet-stream", st.binary(max_size=256))
