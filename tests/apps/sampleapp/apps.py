from django.apps import AppConfig


class SampleAppConfig(AppConfig):
    name = "tests.apps.sampleapp"
    label = "sampleapp"
    verbose_name = "Samples"

    def ready(self) -> None:
        from nanhai_portal.accounts.home import HomeTile, register_home_tiles
        from nanhai_portal.accounts.roles import Role, register_role_permissions

        register_role_permissions(self, {Role.TOWN_OFFICER: ["sampleapp.look_at_samples"]})
        register_home_tiles(
            self,
            [
                HomeTile(
                    "Samples",
                    "Look at the samples of your town.",
                    "sampleapp:index",
                    {Role.TOWN_OFFICER: 15},  # between the application queue (10) and the communities (20)
                    count=lambda user: 3,
                    status=lambda user: "Next sample due on Friday",
                ),
            ],
        )
