"""Register an LMS (LTI 1.3 platform) with its deployments, as the admin's form does."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from lti_tool.models import Key, LtiDeployment, LtiRegistration

from lti.config import tool_urls


class Command(BaseCommand):
    help = "Register an LTI 1.3 platform (or update one: same issuer and client id)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="e.g. 'Canvas (university)'")
        parser.add_argument("--issuer", required=True, help="the platform's iss")
        parser.add_argument("--client-id", required=True)
        parser.add_argument(
            "--deployment-id", action="extend", nargs="+", required=True, dest="deployment_ids",
            help="one or more deployment ids (the option may also be repeated)",
        )  # fmt: skip
        parser.add_argument("--auth-url", required=True, help="OIDC authentication request URL")
        parser.add_argument("--token-url", required=True, help="OAuth2 access token URL")
        parser.add_argument("--jwks-url", required=True, help="the platform's public keyset URL")

    def handle(self, *args, **options):
        with transaction.atomic():
            registration, created = LtiRegistration.objects.update_or_create(
                issuer=options["issuer"],
                client_id=options["client_id"],
                defaults={
                    "name": options["name"],
                    "auth_url": options["auth_url"],
                    "token_url": options["token_url"],
                    "keyset_url": options["jwks_url"],
                    "is_active": True,
                },
            )
            for deployment_id in options["deployment_ids"]:
                if not deployment_id.strip():
                    raise CommandError("A deployment id cannot be empty.")
                LtiDeployment.objects.update_or_create(
                    registration=registration,
                    deployment_id=deployment_id.strip(),
                    defaults={"is_active": True},
                )
            if not Key.objects.active().exists():
                Key.objects.generate()
        verb = "Registered" if created else "Updated"
        urls = tool_urls()
        self.stdout.write(
            f"{verb} {registration.name}: issuer {registration.issuer}, client id "
            f"{registration.client_id}, deployments "
            f"{', '.join(sorted(options['deployment_ids']))}.\n"
            f"Login URL: {urls.login}\nLaunch / redirect URL: {urls.tool}\nJWKS: {urls.jwks}"
        )
