"""`phonehome report`: the answer at a glance, the evidence one click away.

`build.build_report` gathers the content (redacted unless asked otherwise); `terminal`, `markdown`
and `html` lay it out; the JSON format is the content itself.
"""
