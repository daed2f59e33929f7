"""The bundled sample capture that `phonehome demo` replays (installed as phonehome.examples)."""
