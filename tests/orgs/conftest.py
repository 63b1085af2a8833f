"""The OpenID provider of the single sign-on tests, started only by the modules that ask."""

from tests.orgs.oidc_fixture import oidc_provider

__all__ = ["oidc_provider"]
