"""Admins manage anyone's API tokens: create (the secret is printed once), revoke, list."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from api.models import ApiToken
from api.services import api_token_create, api_token_revoke


class Command(BaseCommand):
    help = "Create, revoke or list personal API tokens."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create a token and print its secret (shown only this once).")
        create.add_argument("--user", required=True, help="Username of the token's owner.")
        create.add_argument("--name", required=True, help="What will use it, e.g. 'Phone system'.")
        revoke = actions.add_parser("revoke", help="Revoke a token so it stops working at once.")
        revoke.add_argument("--user", required=True, help="Username of the token's owner.")
        revoke.add_argument("--name", required=True, help="The token's name.")
        listing = actions.add_parser("list", help="List tokens (never their secrets).")
        listing.add_argument("--user", help="Only this user's tokens.")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _user(self, username: str) -> User:
        try:
            return User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None

    def _create(self, *, user, name, **_):
        try:
            token, raw = api_token_create(user=self._user(user), name=name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stderr.write(f"Token {token.name!r} created for {user}. Copy it now: it is not shown again.")
        self.stdout.write(raw)

    def _revoke(self, *, user, name, **_):
        token = ApiToken.objects.filter(user=self._user(user), name=name).first()
        if token is None:
            raise CommandError(f"{user} has no token named {name!r}.")
        api_token_revoke(token=token)
        self.stdout.write(f"Token {name!r} of {user} revoked.")

    def _list(self, *, user=None, **_):
        tokens = ApiToken.objects.select_related("user").order_by("user__username", "name")
        if user:
            tokens = tokens.filter(user=self._user(user))
        for token in tokens:
            last_used = token.last_used_at.isoformat(timespec="seconds") if token.last_used_at else "never"
            self.stdout.write(f"{token.user.username}\t{token.name}\t{token.prefix}…\tlast used {last_used}")
