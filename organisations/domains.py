"""
Which verified domain an e-mail address belongs to: exact matching, nothing clever.

`example.com` matches `someone@example.com` (any letter case, a trailing dot ignored) and
nothing else: not `evil-example.com`, not `example.com.evil.net`, and not a subdomain such
as `mail.example.com`, because a client verifies the domains its people use and a
subdomain can be run by someone else (a hosting customer, a university society).
A subdomain that belongs to the client is verified as a domain of its own.
"""

import re

# A host name of letters, digits and hyphens in dot-separated labels (IDNs as punycode).
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
DOMAIN_RE = re.compile(rf"^{_LABEL}(\.{_LABEL})+$")


def normalise_domain(domain: str) -> str:
    """The domain as stored and compared: lower case, no surrounding dots or spaces."""
    return domain.strip().strip(".").lower()


def is_valid_domain(domain: str) -> bool:
    return len(domain) <= 253 and bool(DOMAIN_RE.match(normalise_domain(domain)))


def address_domain(email: str) -> str | None:
    """The domain part of an e-mail address, normalised; None when there is none."""
    local, at, domain = email.strip().rpartition("@")
    if not at or not local or not domain:
        return None
    return normalise_domain(domain)


def matches(email: str, domain: str) -> bool:
    """Whether `email` is an address at exactly `domain`."""
    found = address_domain(email)
    return found is not None and found == normalise_domain(domain)
