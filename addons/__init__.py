"""mitmproxy integration: the Capture addon, embedded by `phonehome capture` or loaded with `mitmdump -s`."""
