"""Credentials: a password sent in a login or sign-up body, a query, or HTTP Basic authentication.

The password itself never becomes part of a finding: its value is `PASSWORD_VALUE`, so no report,
export or `--reveal` can show it.  What a person needs to know is that a password was sent, where
in the request and to whom (over plain HTTP, to a third party, ...).
"""

from __future__ import annotations

from phonehome.classifiers.detect.keys import norm
from phonehome.classifiers.model import PASSWORD_VALUE, Field, Finding, Kind, Source, Where, finding

PASSWORD_KEYS = frozenset(
    {
        "password", "passwd", "pwd", "pass", "passcode", "passphrase", "userpassword", "loginpassword",
        "newpassword", "oldpassword", "currentpassword", "confirmpassword", "passwordconfirmation",
        "accountpassword", "userpass", "loginpwd", "userpwd", "mima",
    }
)  # fmt: skip
# Prefixed keys (`j_password`, `session[password]`, `login_passwd`).
PASSWORD_SUFFIXES = ("password", "passwd", "passphrase")
# Keys that end like a password but name something about it, not the password.
_ABOUT_PASSWORDS = ("forgotpassword", "resetpassword", "haspassword", "passwordpolicy", "showpassword",
                    "passwordstrength", "passwordless", "passwordhint", "passwordhash", "savepassword",
                    "rememberpassword", "passwordreset", "passwordexpired", "passwordrequired")  # fmt: skip
_NOT_A_PASSWORD = frozenset({"", "true", "false", "null", "none", "undefined", "0", "1", "on", "off"})


def detect_password(field: Field) -> list[Finding]:
    if field.where in (Where.COOKIE, Where.PATH):
        return []
    if field.where == Where.HEADER and not field.path.endswith("authorization.password"):
        return []
    key = norm(field.key)
    if key not in PASSWORD_KEYS and not (
        key.endswith(PASSWORD_SUFFIXES) and not key.endswith(_ABOUT_PASSWORDS)
    ):
        return []
    value = field.value
    if value.strip().lower() in _NOT_A_PASSWORD or len(value) > 512 or value.startswith(("{", "[")):
        return []
    how = "HTTP Basic authentication" if field.where == Where.HEADER else f"the field `{field.key}`"
    return [
        finding(
            field,
            Kind.PASSWORD,
            PASSWORD_VALUE,
            0.95,
            Source.KEY,
            "password",
            evidence=f"a password in {how}",
        )
    ]
