"""Decoding: every layer a request can wrap a value in (percent, form, multipart, JSON, base64,
compression, protobuf, JWT), peeled once into `Field`s for the detectors."""
